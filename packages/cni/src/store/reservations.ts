import { existsSync } from "node:fs";
import { join } from "node:path";
import { type AddressRecord, Allocator, type DadCheck, Prefix } from "@own6/core";
import type { ClosableLeaseStore } from "@own6/etcd";
import { loadOrCreateSecret, SqliteLeaseStore } from "@own6/sqlite";
import { etcdStoreConfig, type StoreSetting } from "../config/store.js";
import { CNI_CODES, CniError } from "../spec/errors.js";
import type { SqliteConnections } from "./connections.js";

/** Release-only allocators never probe. */
const NO_DAD: DadCheck = async () => ({ status: "inconclusive", reason: "this allocator only releases" });
/** Nor derive: DEL and GC work without the host's secret, even when its file went bad. */
const NO_SECRET = new Uint8Array(16);

/**
 * What the allocator needs per network besides the prefix and DAD.
 *
 * @example
 * ```ts
 * const options: AllocationOptions = { networkId: "own6-net", maxTries: 3 };
 * ```
 */
export interface AllocationOptions {
  readonly networkId: string;
  readonly maxTries: number;
}

/**
 * A network's reservations on this host: the core's leases in a SQLite database at
 * `<dataDir>/cni/<network>/leases.db` (WAL, one `BEGIN IMMEDIATE` transaction per
 * compare-and-set, so concurrent plugin processes are safe and a crash loses nothing
 * acknowledged), keyed with the host's RFC 7217 secret at `<dataDir>/secret` (0600, made on
 * first use). The directory is 0700. Each lease record holds the network (its Network_ID), the
 * owner `<container id>/<ifname>`, the address, its DAD counter and when it was bound. With an
 * etcd `store`, the leases are in etcd under `<prefix>/cni/<network>` instead (no TTL lease: the
 * records stay until DEL or GC releases them); the secret stays on the host.
 *
 * @example
 * ```ts
 * const reservations = await Reservations.open("/var/lib/own6", "own6-net");
 * try {
 *   const allocator = await reservations.allocator(prefix, dad, { networkId: "own6-net", maxTries: 3 });
 *   await allocator.allocate("c1/eth0");
 * } finally {
 *   reservations.close();
 * }
 * ```
 */
export class Reservations {
  readonly #store: ClosableLeaseStore;
  readonly #dataDir: string;
  #secret: Uint8Array | undefined;

  private constructor(store: ClosableLeaseStore, dataDir: string) {
    this.#store = store;
    this.#dataDir = dataDir;
  }

  /**
   * The directory of `network`'s database inside `dataDir`.
   *
   * @example
   * ```ts
   * Reservations.directory("/var/lib/own6", "net"); // "/var/lib/own6/cni/net"
   * ```
   */
  static directory(dataDir: string, network: string): string {
    return join(dataDir, "cni", network);
  }

  /**
   * Whether `network` has a database yet (DEL of a never-added container need not create one);
   * always true for etcd, which has no local file to look for.
   *
   * @example
   * ```ts
   * if (!Reservations.exist(dataDir, name, config.store)) return;
   * ```
   */
  static exist(dataDir: string, network: string, store: StoreSetting = { type: "sqlite" }): boolean {
    if (store.type === "etcd") return true;
    return existsSync(join(store.dir ?? Reservations.directory(dataDir, network), "leases.db"));
  }

  /**
   * Opens (creating if needed) `network`'s store: its SQLite database (through `connections`
   * when given, which keeps it open after {@link Reservations.close}), or etcd when `store` says
   * so (@own6/etcd and its gRPC client are only loaded then).
   *
   * @throws {@link CniError} code 7 for an invalid etcd setting.
   * @example
   * ```ts
   * const reservations = await Reservations.open(dataDir, conf.name, config.store);
   * ```
   */
  static async open(
    dataDir: string,
    network: string,
    store: StoreSetting = { type: "sqlite" },
    connections?: SqliteConnections,
  ): Promise<Reservations> {
    const openLocal = (dir: string | undefined) => {
      const where = dir ?? Reservations.directory(dataDir, network);
      return connections ? connections.open(where) : SqliteLeaseStore.openIn(where);
    };
    if (store.type === "sqlite") return new Reservations(openLocal(store.dir), dataDir);
    const config = await etcdStoreConfig(store, network);
    const { openStore } = await import("@own6/etcd");
    try {
      return new Reservations(await openStore(config, openLocal), dataDir);
    } catch (e) {
      // What the configuration check cannot see (an endpoint's form, the files of tls and auth)
      // fails here; name the key like every other configuration error.
      if ((e as { code?: unknown }).code !== "ETCD_CONFIG_INVALID") throw e;
      throw new CniError(CNI_CODES.invalidConfig, `${store.path}: ${(e as Error).message}`);
    }
  }

  /**
   * Runs `use` on `network`'s reservations and closes them after, if the network has a database
   * yet; does nothing otherwise. For DEL and GC, which must succeed on a network that never had
   * an ADD without creating its database.
   *
   * @example
   * ```ts
   * await Reservations.withExisting(dataDir, conf.name, store, connections, (r) => r.release(owner));
   * ```
   */
  static async withExisting(
    dataDir: string,
    network: string,
    store: StoreSetting | undefined,
    connections: SqliteConnections | undefined,
    use: (reservations: Reservations) => Promise<unknown>,
  ): Promise<void> {
    if (!Reservations.exist(dataDir, network, store)) return;
    const reservations = await Reservations.open(dataDir, network, store, connections);
    try {
      await use(reservations);
    } finally {
      reservations.close();
    }
  }

  #loadSecret(): Uint8Array {
    this.#secret ??= loadOrCreateSecret(join(this.#dataDir, "secret"));
    return this.#secret;
  }

  /**
   * An allocator for `prefix` over this network's leases, deriving addresses with the host's
   * secret and proving them with `dad`.
   *
   * @example
   * ```ts
   * const lease = await (await reservations.allocator(prefix, dad, options)).allocate(owner);
   * ```
   */
  allocator(prefix: Prefix, dad: DadCheck, options: AllocationOptions): Promise<Allocator> {
    return this.#open(prefix, dad, options, this.#loadSecret());
  }

  #open(prefix: Prefix, dad: DadCheck, options: AllocationOptions, secret: Uint8Array): Promise<Allocator> {
    return Allocator.open({
      prefixes: [prefix],
      secret,
      dad,
      now: Date.now,
      store: this.#store,
      networkId: options.networkId,
      maxTries: options.maxTries,
    });
  }

  /**
   * Every address record (bound leases and tentative claims), optionally only `owner`'s.
   *
   * @example
   * ```ts
   * (await reservations.records("c1/eth0")).filter((r) => r.state === "bound");
   * ```
   */
  async records(owner?: string): Promise<AddressRecord[]> {
    const all = (await this.#store.list("address/")).flatMap(({ value }) => (value.kind === "address" ? [value] : []));
    return owner === undefined ? all : all.filter((r) => r.owner === owner);
  }

  /**
   * Removes `owner`'s tentative claims. The runtime runs one operation per container at a time,
   * so a claim of `owner` seen when its ADD starts was left by an ADD that died (SIGKILL,
   * crash); removing it gives the retry the same address again.
   *
   * @example
   * ```ts
   * await reservations.sweepClaims("c1/eth0");
   * ```
   */
  async sweepClaims(owner: string): Promise<void> {
    for (const entry of await this.#store.list("address/")) {
      const value = entry.value;
      if (value.kind === "address" && value.owner === owner && value.state === "tentative") {
        await this.#store.compareAndSet(entry.key, entry.version, null);
      }
    }
  }

  /**
   * Releases everything `owner` holds in this network, in any prefix (the configured prefix may
   * have changed since ADD), and sweeps its claims; returns the leases that were bound. The DAD
   * counters stay, so a later ADD gets the same address back.
   *
   * @example
   * ```ts
   * const released = await reservations.release("c1/eth0");
   * ```
   */
  async release(owner: string): Promise<AddressRecord[]> {
    const held = await this.records(owner);
    const owned = (await this.#store.list("owner/")).flatMap(({ value }) =>
      value.kind === "owner" && value.owner === owner && value.address !== null ? [value.prefix] : [],
    );
    const prefixes = new Set([...owned, ...held.map((r) => r.prefix)]);
    for (const text of prefixes) {
      const allocator = await this.#open(Prefix.parse(text), NO_DAD, { networkId: "", maxTries: 3 }, NO_SECRET);
      await allocator.release(owner);
    }
    await this.sweepClaims(owner);
    return held.filter((r) => r.state === "bound");
  }

  /**
   * Releases every owner not in `valid` (owners `<container id>/<ifname>`); a failure for one
   * owner does not stop the others and is returned.
   *
   * @example
   * ```ts
   * const { released, failed } = await reservations.collect(new Set(["c1/eth0"]));
   * ```
   */
  async collect(valid: ReadonlySet<string>): Promise<{ released: AddressRecord[]; failed: [string, unknown][] }> {
    const owners = new Set((await this.records()).map((r) => r.owner));
    const released: AddressRecord[] = [];
    const failed: [string, unknown][] = [];
    for (const owner of owners) {
      if (valid.has(owner)) continue;
      try {
        released.push(...(await this.release(owner)));
      } catch (e) {
        failed.push([owner, e]);
      }
    }
    return { released, failed };
  }

  /**
   * Closes the database or the etcd connection.
   *
   * @example
   * ```ts
   * reservations.close();
   * ```
   */
  close(): void {
    this.#store.close();
  }
}
