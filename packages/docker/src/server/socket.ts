import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Own6Error } from "@own6/core";
import { listenOnUnixSocket, SocketTakenError, type UnixSocket } from "@own6/socket";
import type { Logger } from "pino";
import type { Dispatcher } from "../protocol/dispatch.js";
import { PluginError, replyOf } from "../protocol/errors.js";
import type { Metrics } from "./metrics.js";

/**
 * Docker's requests are a few hundred bytes; anything near this is not Docker.
 *
 * @example
 * ```ts
 * MAX_BODY_BYTES; // 1048576
 * ```
 */
export const MAX_BODY_BYTES = 1 << 20;
/** What the replies say they are: the media type of the Accept header Docker sends (docker.md A1). */
const MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";
/** How long a shutdown waits for requests in flight (a DAD run takes seconds). */
const DRAIN_MS = 30_000;

/**
 * What a {@link PluginServer} serves and where.
 *
 * @example
 * ```ts
 * const options: PluginServerOptions = { path: "/run/docker/plugins/own6.sock", mode: 0o600, dispatcher, metrics, log };
 * ```
 */
export interface PluginServerOptions {
  /** The socket's path, `/run/docker/plugins/NAME.sock`. */
  readonly path: string;
  /** 0o600 (only root, as dockerd runs) or 0o660. */
  readonly mode: number;
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/**
 * The socket's path is taken: another plugin serves it, or something else is there. Code
 * `SOCKET_IN_USE` or `SOCKET_PATH_TAKEN`.
 *
 * @example
 * ```ts
 * await PluginServer.listen(options); // throws SocketInUseError when own6-docker already runs
 * ```
 */
export class SocketInUseError extends Own6Error {}

/**
 * The plugin's HTTP server on a Unix socket: `POST /<Interface>.<Method>` with a JSON body (or
 * none: Docker sends 0 bytes for Activate and the capability calls), `GET /metrics`. Every
 * failure is a JSON reply carrying both `Err` and `Error`; a bad request never stops the
 * server. The socket is created with its final mode (never briefly wider), and a stale socket
 * from a crashed run is replaced, a live one is not.
 *
 * @example
 * ```ts
 * const server = await PluginServer.listen({ path: "/run/docker/plugins/own6.sock", mode: 0o600, dispatcher, metrics, log });
 * await server.close();
 * ```
 */
export class PluginServer {
  readonly #server: Server;
  readonly #options: PluginServerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #socket: UnixSocket | undefined;

  private constructor(options: PluginServerOptions) {
    this.#options = options;
    this.#server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      const work = this.#serve(req, res).finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    });
  }

  /**
   * Listens on `options.path`, replacing a stale socket there.
   *
   * @throws {@link SocketInUseError} when another process serves that socket.
   * @example
   * ```ts
   * const server = await PluginServer.listen(options);
   * ```
   */
  static async listen(options: PluginServerOptions): Promise<PluginServer> {
    const server = new PluginServer(options);
    const modes = { mode: options.mode, directoryMode: 0o755 };
    server.#socket = await listenOnUnixSocket(server.#server, options.path, modes).catch((e: unknown) => {
      throw e instanceof SocketTakenError ? socketInUseError(e) : e;
    });
    return server;
  }

  /**
   * Stops accepting, lets requests in flight finish (up to 30 s), and removes the socket.
   *
   * @example
   * ```ts
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const drained = Promise.all([...this.#inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    this.#server.closeAllConnections();
    await closed;
    this.#socket?.remove();
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const path = (req.url ?? "").split("?")[0] ?? "";
    const { dispatcher, metrics, log } = this.#options;
    let status = 500;
    try {
      if (req.method === "GET" && path === "/metrics") {
        status = 200;
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(metrics.render());
        return;
      }
      const reply = await this.#reply(req, path);
      status = reply.status;
      if (status !== 200)
        log.warn({ method: path, status, error: (reply.body as { Err?: string }).Err }, "request refused");
      const headers: Record<string, string> = { "Content-Type": MEDIA_TYPE };
      if (status === 413) headers.Connection = "close";
      res.writeHead(status, headers).end(JSON.stringify(reply.body));
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.request(dispatcher.knows(path) ? path : "other", status, seconds);
      log.debug({ method: path, status, ms: Math.round(seconds * 1000) }, "request");
    }
  }

  async #reply(req: IncomingMessage, path: string): Promise<{ status: number; body: unknown }> {
    try {
      if (req.method !== "POST")
        throw new PluginError(
          "UNKNOWN_METHOD",
          `own6 serves POST /<Interface>.<Method> and GET /metrics, not ${req.method} ${path}`,
        );
      const body = parseBody(await readBody(req));
      return { status: 200, body: await this.#options.dispatcher.call(path, body) };
    } catch (e) {
      if (!(e instanceof PluginError)) this.#options.log.error({ method: path, err: e }, "request failed");
      return replyOf(e);
    }
  }
}

/** The body's bytes, or a 413 once it passes {@link MAX_BODY_BYTES} (the rest is not read). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.pause();
        reject(new PluginError("BODY_TOO_LARGE", `request bodies are at most ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseBody(bytes: Buffer): unknown {
  const text = bytes.toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PluginError("BAD_REQUEST", `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** own6-docker's advice for a socket it cannot take, under the same codes. */
function socketInUseError(e: SocketTakenError): SocketInUseError {
  const message =
    e.code === "SOCKET_IN_USE" ? `another process serves ${e.path}; stop it or choose another --name` : e.message;
  return new SocketInUseError(e.code, message);
}
