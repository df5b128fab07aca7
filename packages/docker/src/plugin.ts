import { join } from "node:path";
import { type Address, type DadOutcome, Prefix } from "@own6/core";
import { EtcdLeaseStore, openStore, type StoreConfig, type StoreWatch } from "@own6/etcd";
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
  /**
   * Where the leases live: SQLite in `stateDir` unless set; etcd to share one lease table with
   * other hosts (a TTL `lease` suits the long-lived daemon). The state and the secret stay local.
   */
  readonly store?: StoreConfig;
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
   * Opens (or creates) the state in `options.stateDir`, and the lease store `options.store` names.
   *
   * @example
   * ```ts
   * const plugin = await Plugin.open({ stateDir: "/var/lib/own6/docker/own6", host: LinuxHost.open(...), log, defaultParent: undefined });
   * ```
   */
  static async open(options: PluginOptions): Promise<Plugin> {
    const { host, log } = options;
    const secret = loadOrCreateSecret(join(options.stateDir, "secret"));
    const leases = await openStore(options.store ?? { type: "sqlite" }, (dir) =>
      SqliteLeaseStore.openIn(dir ?? options.stateDir),
    );
    const shared = leases instanceof EtcdLeaseStore;
    let watch: StoreWatch | undefined;
    let docs: SqliteDocuments | undefined;
    try {
      docs = SqliteDocuments.open(join(options.stateDir, "state.db"));
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
      if (shared) {
        // Other hosts' leases are in the same table and are no orphans: they are learnt, not
        // released (a dead host's go when its TTL lease expires).
        const book = addresses;
        watch = await leases.watch("address/", (c) => book.observe(c.key, c.value), {
          onError: (err) => log.error({ err }, "the lease store's watch stopped"),
        });
      } else {
        const orphans = await addresses.releaseOrphans(new Set(state.bindings().map((b) => b.owner)));
        if (orphans > 0) log.warn({ orphans }, "released leases no address record held");
      }
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
      const opened = docs;
      return new Plugin(dispatcher, metrics, () => {
        void watch?.close().catch(() => undefined);
        opened.close();
        leases.close();
      });
    } catch (e) {
      void watch?.close().catch(() => undefined);
      docs?.close();
      leases.close();
      throw e;
    }
  }

  /**
   * Closes the databases and the lease store.
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
