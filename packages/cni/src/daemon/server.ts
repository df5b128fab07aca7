import { readlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { listenOnUnixSocket, SocketTakenError, type UnixSocket } from "@own6/socket";
import { cniPlugin } from "../cni/plugin.js";
import { ipamPlugin } from "../ipam/plugin.js";
import { toCniError } from "../plugin/failure.js";
import type { Logger } from "../plugin/log.js";
import { type CniPlugin, runPlugin } from "../plugin/run.js";
import { errorObject } from "../spec/errors.js";
import { CURRENT_VERSION } from "../spec/version.js";
import { SqliteConnections } from "../store/connections.js";
import { DaemonSocketError } from "./errors.js";
import {
  type DaemonRequest,
  type DaemonResponse,
  decodeRequest,
  encodeResponse,
  malformedRequest,
  type PluginName,
  RUN_LOCALLY,
  requestLength,
} from "./protocol.js";

const PLUGINS: Readonly<Record<PluginName, CniPlugin>> = { "own6-ipam": ipamPlugin, "own6-cni": cniPlugin };

// The client writes its whole request at once and reads the answer at once; a connection idle
// for this long on either side is not an own6 client, and must not hold the daemon open.
const IDLE_MS = 10_000;

const NOTHING_SENT = Symbol("nothing sent");

/** Root's alone: the socket 0600 in a directory made 0700. */
const PRIVATE = { mode: 0o600, directoryMode: 0o700 };

/**
 * Where {@link CniDaemon} listens and logs.
 *
 * @example
 * ```ts
 * const options: CniDaemonOptions = { socket: "/run/own6/cni.sock", log: createLogger(process.stderr, "info") };
 * ```
 */
export interface CniDaemonOptions {
  /** The socket's absolute path; its directory is created 0700 when missing. */
  readonly socket: string;
  readonly log: Logger;
}

/**
 * own6's resident CNI service: runs each call the client (native/client.c) forwards through the
 * same `runPlugin` as the executables, with the call's own environment and stdin, and answers
 * with its stdout, stderr and exit status. Calls run concurrently. The lease databases stay open
 * between calls ({@link SqliteConnections}: closing one costs more than the rest of an ADD), with
 * the executables' transactions, locking and crash behaviour; everything else (configuration,
 * secret file, links) is read afresh per call, as a new process would. The socket is 0600 in a
 * directory made 0700.
 * A call from other network or mount namespaces than the daemon's is sent back to be run by the
 * client itself, since the plugins read links and paths of the namespaces they run in.
 *
 * @example
 * ```ts
 * const daemon = await CniDaemon.start({ socket: "/run/own6/cni.sock", log });
 * process.once("SIGTERM", () => void daemon.close());
 * ```
 */
export class CniDaemon {
  /** The socket's path. */
  readonly socket: string;
  readonly #server: Server;
  readonly #log: Logger;
  readonly #namespaces = { net: ownNamespace("net"), mnt: ownNamespace("mnt") };
  readonly #inFlight = new Set<Promise<void>>();
  readonly #connections = new SqliteConnections();
  #listening: UnixSocket | undefined;

  private constructor(options: CniDaemonOptions) {
    this.socket = options.socket;
    this.#log = options.log;
    this.#server = createServer({ allowHalfOpen: true }, (connection) => {
      const work = this.#serve(connection)
        .catch((e) => this.#log.error("connection failed", { error: String(e) }))
        .finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    });
  }

  /**
   * Listens on `options.socket`, replacing a stale socket there (a daemon that died).
   *
   * @throws {@link DaemonSocketError} when another daemon answers on the socket or the path is
   * not a socket.
   * @example
   * ```ts
   * const daemon = await CniDaemon.start({ socket: "/run/own6/cni.sock", log });
   * ```
   */
  static async start(options: CniDaemonOptions): Promise<CniDaemon> {
    const daemon = new CniDaemon(options);
    daemon.#listening = await listenOnUnixSocket(daemon.#server, options.socket, PRIVATE).catch((e: unknown) => {
      throw e instanceof SocketTakenError ? daemonSocketError(e) : e;
    });
    options.log.info("listening", { socket: options.socket, namespaces: daemon.#namespaces });
    return daemon;
  }

  /**
   * Stops accepting (clients that connect from now on run the Node plugin themselves), lets the
   * calls in flight finish, and removes the socket.
   *
   * @example
   * ```ts
   * await daemon.close();
   * ```
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#inFlight]);
    await closed;
    this.#connections.close();
    this.#listening?.remove();
    this.#log.info("stopped", { socket: this.socket });
  }

  async #serve(connection: Socket): Promise<void> {
    connection.on("error", (e) => this.#log.debug("connection error", { error: e.message }));
    connection.setTimeout(IDLE_MS, () => connection.destroy());
    let response: DaemonResponse;
    try {
      const received = await receive(connection);
      connection.setTimeout(0);
      response = await this.#answer(decodeRequest(received));
    } catch (e) {
      if (e === NOTHING_SENT) return void connection.destroy();
      const error = toCniError(e);
      this.#log.warn("request refused", { code: error.cniCode, msg: error.message });
      response = { status: 1, stdout: `${JSON.stringify(errorObject(error, CURRENT_VERSION))}\n`, stderr: "" };
      // Discard what the client still sends, so it can read the answer before it sees the close.
      connection.resume();
    }
    if (connection.destroyed) return;
    connection.setTimeout(IDLE_MS, () => connection.destroy());
    connection.end(encodeResponse(response));
  }

  async #answer(request: DaemonRequest): Promise<DaemonResponse> {
    const { net, mnt } = request.namespaces;
    const fields = {
      for: request.plugin,
      command: request.env.CNI_COMMAND,
      containerId: request.env.CNI_CONTAINERID,
    };
    if (net === "-" || mnt === "-" || net !== this.#namespaces.net || mnt !== this.#namespaces.mnt) {
      this.#log.debug("run locally: the client is in other namespaces", { ...fields, net, mnt });
      return { status: RUN_LOCALLY, stdout: "", stderr: "" };
    }
    const started = performance.now();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await runPlugin(PLUGINS[request.plugin], {
      env: request.env,
      readStdin: () => request.stdin.toString("utf8"),
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text) },
      connections: this.#connections,
    });
    this.#log.debug("served", { ...fields, status, elapsedMs: Math.round(performance.now() - started) });
    return { status, stdout: stdout.join(""), stderr: stderr.join("") };
  }
}

/** The whole request, as soon as the bytes its header announces have arrived. */
function receive(connection: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let total: number | undefined;
    const finish = (error?: unknown) => {
      connection.off("data", onData).off("end", onEnd).off("close", onEnd);
      if (error !== undefined) return reject(error);
      connection.pause();
      resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      try {
        total ??= requestLength(chunks.length === 1 ? chunk : Buffer.concat(chunks, size));
      } catch (e) {
        return finish(e);
      }
      if (total === undefined || size < total) return;
      if (size > total) return finish(malformedRequest(`more bytes than the ${total} the header announces`));
      finish();
    };
    // A connection closed before it sent anything is a liveness probe (a second daemon starting).
    const onEnd = () =>
      finish(size === 0 ? NOTHING_SENT : malformedRequest(`the connection ended after ${size} bytes of the request`));
    connection.on("data", onData).on("end", onEnd).on("close", onEnd);
  });
}

/** This process's namespace of `kind`, as the client reads its own: `net:[4026531840]`. */
function ownNamespace(kind: "net" | "mnt"): string {
  try {
    return readlinkSync(`/proc/self/ns/${kind}`);
  } catch {
    return "-";
  }
}

/** own6-cnid's own codes and advice for a socket it cannot take. */
function daemonSocketError(e: SocketTakenError): DaemonSocketError {
  return e.code === "SOCKET_IN_USE"
    ? new DaemonSocketError("CNI_DAEMON_RUNNING", e.path, `another own6-cnid serves ${e.path}; stop it first`)
    : new DaemonSocketError("CNI_DAEMON_SOCKET_TAKEN", e.path, e.message);
}
