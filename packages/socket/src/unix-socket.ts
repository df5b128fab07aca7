import { chmodSync, lstatSync, mkdirSync, rmSync, statSync } from "node:fs";
import { createConnection, type Server } from "node:net";
import { dirname } from "node:path";
import { SocketTakenError } from "./errors.js";

/**
 * The permissions of a daemon's socket and of the directory made for it when missing.
 *
 * @example
 * ```ts
 * const options: UnixSocketOptions = { mode: 0o600, directoryMode: 0o700 };
 * ```
 */
export interface UnixSocketOptions {
  /** The socket's mode, such as 0o600 (root only); it never exists with a wider one. */
  readonly mode: number;
  /** The mode of the directory, when it has to be created. */
  readonly directoryMode: number;
}

/**
 * A socket a server listens on, bound by this process.
 *
 * @example
 * ```ts
 * const socket = await listenOnUnixSocket(server, path, options);
 * server.close(() => socket.remove());
 * ```
 */
export interface UnixSocket {
  /** The socket's path. */
  readonly path: string;
  /** Removes the socket, unless another daemon started since has replaced it with its own. */
  remove(): void;
}

/**
 * Makes `server` listen on the Unix socket `path`. A socket left there by a daemon that died is
 * replaced; one that answers is not. The socket is created with `options.mode` under a umask,
 * so that it is never open to others, even for the moment before a chmod.
 *
 * @throws {@link SocketTakenError} when another process answers on `path` (`SOCKET_IN_USE`) or
 * `path` is not a socket (`SOCKET_PATH_TAKEN`).
 * @example
 * ```ts
 * const socket = await listenOnUnixSocket(createServer(serve), "/run/own6/cni.sock", { mode: 0o600, directoryMode: 0o700 });
 * ```
 */
export async function listenOnUnixSocket(
  server: Server,
  path: string,
  options: UnixSocketOptions,
): Promise<UnixSocket> {
  mkdirSync(dirname(path), { recursive: true, mode: options.directoryMode });
  await removeStaleSocket(path);
  const umask = process.umask(0o777 & ~options.mode);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, options.mode);
  const inode = statSync(path).ino;
  return {
    path,
    remove: () => {
      if (inodeOf(path) === inode) rmSync(path, { force: true });
    },
  };
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Removes a socket nobody answers on; refuses a live one and anything that is not a socket. */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new SocketTakenError("SOCKET_PATH_TAKEN", path, `${path} exists and is not a socket; remove it`);
  const answers = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on("error", () => resolve(false));
  });
  if (answers) throw new SocketTakenError("SOCKET_IN_USE", path, `another process serves ${path}; stop it first`);
  rmSync(path, { force: true });
}
