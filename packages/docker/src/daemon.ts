import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { StoreConfig } from "@own6/etcd";
import type { KernelDadOptions } from "@own6/netlink";
import type { Logger } from "pino";
import type { HostNetwork } from "./host/host.js";
import { LinuxHost } from "./host/linux.js";
import { Plugin } from "./plugin.js";
import { PluginServer } from "./server/socket.js";

/**
 * Everything the daemon runs with; the command line fills it in.
 *
 * @example
 * ```ts
 * const options: DaemonOptions = { name: "own6", stateDir, pluginDir: "/run/docker/plugins", socketMode: 0o600, parent: undefined, dad, metricsListen: undefined, log };
 * ```
 */
export interface DaemonOptions {
  /** The plugin's name: `-d NAME --ipam-driver NAME`, and the socket `<pluginDir>/NAME.sock`. */
  readonly name: string;
  readonly stateDir: string;
  /** Where Docker looks for plugin sockets: /run/docker/plugins. */
  readonly pluginDir: string;
  readonly socketMode: number;
  /** The uplink for pools without `--subnet` or `--ipam-opt parent`. */
  readonly parent: string | undefined;
  readonly dad: KernelDadOptions;
  /** Also serve GET /metrics over TCP here. */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly log: Logger;
  /** The Linux side; {@link LinuxHost} unless set. */
  readonly host?: HostNetwork;
  /** The lease store (`--store`); SQLite in `stateDir` unless set. */
  readonly store?: StoreConfig;
}

interface Parts {
  readonly server: PluginServer;
  readonly metrics: Server | undefined;
  readonly host: HostNetwork;
  readonly plugin: Plugin;
}

/**
 * The running plugin: state restored, the socket Docker discovers it by, and optionally a
 * metrics listener. Start it before dockerd and stop it after (docker.md A1).
 *
 * @example
 * ```ts
 * const daemon = await Daemon.start(options);
 * process.once("SIGTERM", () => daemon.close());
 * ```
 */
export class Daemon {
  /** The socket Docker talks to. */
  readonly socketPath: string;
  readonly #parts: Parts;
  readonly #log: Logger;

  private constructor(socketPath: string, parts: Parts, log: Logger) {
    this.socketPath = socketPath;
    this.#parts = parts;
    this.#log = log;
  }

  /**
   * Restores the state, readies the host and starts serving.
   *
   * @example
   * ```ts
   * const daemon = await Daemon.start({ name: "own6", stateDir: "/var/lib/own6/docker/own6", pluginDir: "/run/docker/plugins", socketMode: 0o600, parent: undefined, dad, metricsListen: undefined, log });
   * ```
   */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { log } = options;
    const host = options.host ?? LinuxHost.open({ plugin: options.name, dad: options.dad, log });
    const socketPath = join(options.pluginDir, `${options.name}.sock`);
    let plugin: Plugin | undefined;
    try {
      plugin = await Plugin.open({
        stateDir: options.stateDir,
        host,
        log,
        defaultParent: options.parent,
        ...(options.store && { store: options.store }),
      });
      const server = await PluginServer.listen({
        path: socketPath,
        mode: options.socketMode,
        dispatcher: plugin.dispatcher,
        metrics: plugin.metrics,
        log,
      });
      const ready = plugin;
      const metrics =
        options.metricsListen && (await listenMetrics(options.metricsListen, () => ready.metrics.render()));
      log.info(
        { socket: socketPath, stateDir: options.stateDir, metrics: options.metricsListen },
        "own6-docker is serving",
      );
      return new Daemon(socketPath, { server, metrics, host, plugin }, log);
    } catch (e) {
      plugin?.close();
      await host.close();
      throw e;
    }
  }

  /**
   * Stops serving (requests in flight finish first), removes the DAD probes and closes the
   * state. Containers keep their links and addresses.
   *
   * @example
   * ```ts
   * await daemon.close();
   * ```
   */
  async close(): Promise<void> {
    const { server, metrics, host, plugin } = this.#parts;
    await server.close();
    if (metrics) await new Promise((resolve) => metrics.close(resolve));
    await host.close();
    plugin.close();
    this.#log.info("own6-docker stopped");
  }
}

function listenMetrics(at: { host: string; port: number }, render: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/metrics")
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(render());
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => resolve(server));
  });
}
