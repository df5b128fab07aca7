import { join } from "node:path";
import { type Address, type DadOutcome, Prefix } from "@own6/core";
import { loadOrCreateSecret, SqliteDocuments, SqliteLeaseStore } from "@own6/sqlite";
import type { Logger } from "pino";
import { AddressBook } from "./addressing/address-book.js";
import type { HostNetwork } from "./host/host.js";
import { SerialQueue } from "./protocol/context.js";
import { Dispatcher } from "./protocol/dispatch.js";
import { IpamDriver } from "./protocol/ipam-driver.js";
import { NetworkDriver } from "./protocol/network-driver.js";
import { Metrics } from "./server/metrics.js";
import { StateStore } from "./state/store.js";

/**
 * What a {@link Plugin} is built from.
 *
 * @example
 * ```ts
 * const options: PluginOptions = { stateDir: "/var/lib/own6/docker/own6", host, log, defaultParent: "eth0" };
 * ```
 */
export interface PluginOptions {
  /** Leases, state and the RFC 7217 secret live here (made 0700). */
  readonly stateDir: string;
  readonly host: HostNetwork;
  readonly log: Logger;
  /** The uplink for pools without `--subnet` or `--ipam-opt parent`. */
  readonly defaultParent: string | undefined;
}

/**
 * Both drivers over their persisted state, without the socket: what the daemon serves, and what
 * protocol tests drive directly. Opening it restores a previous run (pools, networks, endpoints,
 * leases), releases leases nobody recorded, and readies the parents of existing networks.
 *
 * @example
 * ```ts
 * const plugin = await Plugin.open({ stateDir, host, log, defaultParent: "eth0" });
 * await plugin.dispatcher.call("/Plugin.Activate", undefined);
 * plugin.close();
 * ```
 */
export class Plugin {
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly #close: () => void;

  private constructor(dispatcher: Dispatcher, metrics: Metrics, close: () => void) {
    this.dispatcher = dispatcher;
    this.metrics = metrics;
    this.#close = close;
  }

  /**
   * Opens (or creates) the state in `options.stateDir`.
   *
   * @example
   * ```ts
   * const plugin = await Plugin.open({ stateDir: "/var/lib/own6/docker/own6", host: LinuxHost.open(...), log, defaultParent: undefined });
   * ```
   */
  static async open(options: PluginOptions): Promise<Plugin> {
    const { host, log } = options;
    const secret = loadOrCreateSecret(join(options.stateDir, "secret"));
    const leases = SqliteLeaseStore.openIn(options.stateDir);
    const docs = SqliteDocuments.open(join(options.stateDir, "state.db"));
    try {
      const state = new StateStore(docs);
      let addresses: AddressBook | undefined;
      const metrics = new Metrics([
        { name: "own6_docker_pools", help: "IPv6 pools handed to Docker.", value: () => state.pools().length },
        { name: "own6_docker_networks", help: "Networks.", value: () => state.networks().length },
        { name: "own6_docker_endpoints", help: "Endpoints.", value: () => state.endpoints().length },
        {
          name: "own6_docker_addresses",
          help: "Addresses handed out and not released.",
          value: () => state.bindings().length,
        },
        { name: "own6_docker_leases", help: "Leases the allocator holds.", value: () => addresses?.size ?? 0 },
      ]);
      const dad = async (address: Address): Promise<DadOutcome> => {
        const parent = parentOf(state, address);
        if (!parent) return { status: "inconclusive", reason: `no network uses the prefix of ${address}` };
        const started = performance.now();
        const outcome = await host.dad(parent, address);
        metrics.dad(outcome.status, (performance.now() - started) / 1000);
        if (outcome.status !== "unique")
          log.warn({ address: address.toString(), parent, outcome }, "DAD refused an address");
        return outcome;
      };
      addresses = await AddressBook.open({ store: leases, secret, prefixes: state.prefixesInUse(), dad });
      const orphans = await addresses.releaseOrphans(new Set(state.bindings().map((b) => b.owner)));
      if (orphans > 0) log.warn({ orphans }, "released leases no address record held");
      for (const network of state.networks()) {
        await host
          .prepare(network.parent, network.mode)
          .catch((err) => log.error({ err, network: network.id }, "cannot ready the parent"));
      }
      const context = {
        state,
        addresses,
        host,
        log,
        defaultParent: options.defaultParent,
        topology: new SerialQueue(),
      };
      const dispatcher = new Dispatcher(new NetworkDriver(context), new IpamDriver(context));
      log.info(
        { networks: state.networks().length, endpoints: state.endpoints().length, leases: addresses.size },
        "state restored",
      );
      return new Plugin(dispatcher, metrics, () => {
        docs.close();
        leases.close();
      });
    } catch (e) {
      docs.close();
      leases.close();
      throw e;
    }
  }

  /**
   * Closes the databases.
   *
   * @example
   * ```ts
   * plugin.close();
   * ```
   */
  close(): void {
    this.#close();
  }
}

/** The parent link whose segment `address` lives on: that of the network (or RA pool) of its prefix. */
function parentOf(state: StateStore, address: Address): string | undefined {
  const holds = (prefix: string) => Prefix.parse(prefix).contains(address);
  return (
    state.networks().find((n) => holds(n.prefix))?.parent ??
    state.pools().find((p) => p.parent !== null && holds(p.prefix))?.parent ??
    undefined
  );
}
