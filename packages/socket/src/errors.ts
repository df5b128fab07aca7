import { Own6Error } from "@own6/core";

/**
 * A daemon cannot listen where it was told: another process answers on the socket
 * (`SOCKET_IN_USE`), or the path holds something that is not a socket (`SOCKET_PATH_TAKEN`).
 *
 * @example
 * ```ts
 * await listenOnUnixSocket(server, "/run/own6/cni.sock", { mode: 0o600, directoryMode: 0o700 });
 * // throws SocketTakenError (SOCKET_IN_USE) while another daemon serves that path
 * ```
 */
export class SocketTakenError extends Own6Error {
  /** The socket's path. */
  readonly path: string;

  constructor(code: "SOCKET_IN_USE" | "SOCKET_PATH_TAKEN", path: string, message: string) {
    super(code, message);
    this.path = path;
  }
}
