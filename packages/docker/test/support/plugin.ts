import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Daemon } from "../../src/daemon.js";
import { FakeHost } from "./fake-host.js";

/** An HTTP reply as Docker's plugin client sees it. */
export interface Reply {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/**
 * POSTs to the plugin the way dockerd does (docker.md A1): the v1.2 Accept header, no
 * Content-Type, Go's User-Agent, and 0 bytes when there is no body.
 */
export function post(socket: string, path: string, body: unknown, raw?: string | Buffer): Promise<Reply> {
  const payload = raw ?? (body === null || body === undefined ? "" : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        path,
        method: "POST",
        agent: false,
        headers: {
          Accept: "application/vnd.docker.plugins.v1.2+json",
          "User-Agent": "Go-http-client/1.1",
          "Content-Length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: JSON.parse(text) });
          } catch (e) {
            reject(new Error(`${path} answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)} (${e})`));
          }
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A plugin daemon on a temporary socket with a fake host, restartable on the same state. */
export class TestPlugin {
  readonly dir = mkdtempSync(join(tmpdir(), "own6-docker-test-"));
  readonly host = new FakeHost();
  #daemon: Daemon | undefined;

  get socket(): string {
    return join(this.dir, "plugins", "own6.sock");
  }

  async start(parent: string | undefined = "upl0"): Promise<void> {
    this.#daemon = await Daemon.start({
      name: "own6",
      stateDir: join(this.dir, "state"),
      pluginDir: join(this.dir, "plugins"),
      socketMode: 0o600,
      parent,
      dad: { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false },
      metricsListen: undefined,
      log: pino({ level: "silent" }),
      host: this.host,
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.#daemon?.close();
    this.#daemon = undefined;
  }

  call(path: string, body: unknown = null): Promise<Reply> {
    return post(this.socket, path, body);
  }

  /** The plugin's gauges, by name, from GET /metrics. */
  async gauges(): Promise<Record<string, number>> {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: this.socket, path: "/metrics", method: "GET" }, (res) => {
        let out = "";
        res.on("data", (d) => (out += d));
        res.on("end", () => resolve(out));
      });
      req.on("error", reject);
      req.end();
    });
    return gaugesOf(text);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The gauges in a Prometheus text exposition, by name. */
export function gaugesOf(text: string): Record<string, number> {
  const names = new Set([...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]));
  const gauges: Record<string, number> = {};
  for (const m of text.matchAll(/^(\S+) (\d+)$/gm)) if (m[1] && m[2] && names.has(m[1])) gauges[m[1]] = Number(m[2]);
  return gauges;
}
