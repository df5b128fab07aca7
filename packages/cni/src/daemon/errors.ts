import { Own6Error } from "@own6/core";

/**
 * own6-cnid cannot listen where it was told: another daemon answers on the socket
 * (`CNI_DAEMON_RUNNING`), or the path holds something that is not a socket
 * (`CNI_DAEMON_SOCKET_TAKEN`).
 *
 * @example
 * ```ts
 * await CniDaemon.start({ socket, log }); // throws DaemonSocketError (CNI_DAEMON_RUNNING) while another one serves it
 * ```
 */
export class DaemonSocketError extends Own6Error {
  /** The socket's path. */
  readonly path: string;

  constructor(code: "CNI_DAEMON_RUNNING" | "CNI_DAEMON_SOCKET_TAKEN", path: string, message: string) {
    super(code, message);
    this.path = path;
  }
}
