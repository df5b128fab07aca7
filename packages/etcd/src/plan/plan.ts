import { Prefix } from "@own6/core";
import type { IKeyValue } from "etcd3";
import type { EtcdConfig } from "../config.js";
import { Connection } from "../connection.js";
import { PlanExhaustedError, PlanInputError } from "../errors.js";

/**
 * What {@link PrefixPlan.open} splits, and how.
 *
 * @example
 * ```ts
 * const options: PlanOptions = { prefix: Prefix.parse("2001:db8:100::/56"), length: 64 };
 * ```
 */
export interface PlanOptions {
  /** The cluster's prefix, such as a /48 or /56. */
  readonly prefix: Prefix;
  /** The length of each host's subnet; 64 unless set. */
  readonly length?: number;
  /** The clock stamped on claims, in ms; `Date.now` unless set. */
  readonly now?: () => number;
  /** Uniform in [0, 1): picks among the lowest free subnets after a lost race; `Math.random` unless set. */
  readonly random?: () => number;
}

/**
 * One host's subnet in a {@link PrefixPlan}.
 *
 * @example
 * ```ts
 * const { subnet } = await plan.claim("node-7"); // 2001:db8:100:3::/64
 * ```
 */
export interface PlanEntry {
  readonly host: string;
  readonly subnet: Prefix;
  /** Which subnet of the plan's prefix, counting from 0. */
  readonly index: bigint;
  /** When the host claimed it (clock ms). */
  readonly since: number;
}

/** A claim as etcd holds it, under both its host and its subnet. */
interface StoredEntry {
  readonly host: string;
  readonly subnet: string;
  readonly index: string;
  readonly since: number;
}

/**
 * A claim takes the lowest free subnet; after losing a race for it, one at random among this many
 * of the lowest free ones, so the plan stays dense and hosts that join at once stop colliding.
 */
const SPREAD = 16;

/**
 * A cluster prefix split into one subnet per host (a /48 or /56 into /64s), kept in etcd so
 * that no two hosts ever hold the same subnet. A claim is one etcd transaction that creates both
 * `<prefix>/plan/<cidr>/<length>/host/<host>` and `.../subnet/<index in hex>` only if neither
 * exists, so it is idempotent (a host asking again gets its subnet back, also when two of its
 * processes ask at once) and two hosts never get one subnet. Claims do not expire: a host that is
 * down keeps its subnet until it is released.
 *
 * @example
 * ```ts
 * const plan = PrefixPlan.open({ endpoints: ["http://10.0.0.1:2379"] }, { prefix: Prefix.parse("2001:db8:100::/56") });
 * const { subnet } = await plan.claim(os.hostname()); // this host's /64, the same on every call
 * const allocator = await Allocator.open({ prefixes: [subnet], store, secret, dad, now: Date.now });
 * ```
 */
export class PrefixPlan {
  /** The prefix being split. */
  readonly prefix: Prefix;
  /** The length of each subnet. */
  readonly length: number;
  readonly #conn: Connection;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #total: bigint;
  readonly #digits: number;
  readonly #base: string;

  private constructor(conn: Connection, prefix: Prefix, length: number, options: PlanOptions) {
    this.#conn = conn;
    this.prefix = prefix;
    this.length = length;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#total = prefix.count(length);
    this.#digits = Math.ceil((length - prefix.bits) / 4);
    this.#base = `plan/${prefix}/${length}/`;
  }

  /**
   * A plan of `options.prefix` in subnets of `options.length`, on the etcd of `config` (its
   * `lease` is not used: claims outlive their hosts).
   *
   * @throws {@link PlanInputError} for subnets no longer than the prefix; {@link EtcdConfigError}.
   * @example
   * ```ts
   * const plan = PrefixPlan.open(config, { prefix: Prefix.parse("2001:db8::/48"), length: 64 });
   * ```
   */
  static open(config: EtcdConfig, options: PlanOptions): PrefixPlan {
    const length = options.length ?? 64;
    if (!Number.isInteger(length) || length <= options.prefix.bits || length > 128) {
      throw new PlanInputError(
        `subnets of ${options.prefix} must be longer than /${options.prefix.bits}, at most /128`,
      );
    }
    return new PrefixPlan(Connection.open(config), options.prefix, length, options);
  }

  /**
   * `host`'s subnet: the one it holds, or else a free one, claimed now.
   *
   * @throws {@link PlanExhaustedError} when every subnet is taken; {@link PlanInputError} for an
   * empty or malformed host name; {@link EtcdUnavailableError}.
   * @example
   * ```ts
   * const { subnet } = await plan.claim("node-7");
   * ```
   */
  async claim(host: string): Promise<PlanEntry> {
    checkHost(host);
    for (let raced = false; ; raced = true) {
      const held = await this.of(host);
      if (held) return held;
      const entry = await this.#candidate(host, raced);
      const won = await this.#tryClaim(entry);
      if (won) return won;
    }
  }

  /**
   * Releases `host`'s subnet and returns it; undefined when the host held none.
   *
   * @example
   * ```ts
   * await plan.release("node-7");
   * ```
   */
  async release(host: string): Promise<PlanEntry | undefined> {
    checkHost(host);
    for (;;) {
      const kv = await this.#hostKv(host);
      if (!kv) return undefined;
      const entry = entryOf(kv);
      const same = (key: Buffer) => ({
        key,
        target: "Mod" as const,
        result: "Equal" as const,
        mod_revision: kv.mod_revision,
      });
      const subnetKey = this.#subnetKey(entry.index);
      const answer = await this.#conn.txn(`releasing the subnet of ${host}`, {
        compare: [same(kv.key), same(subnetKey)],
        success: [{ request_delete_range: { key: kv.key } }, { request_delete_range: { key: subnetKey } }],
      });
      if (answer.succeeded) return entry;
    }
  }

  /**
   * `host`'s subnet, or undefined.
   *
   * @example
   * ```ts
   * (await plan.of("node-7"))?.subnet.toString();
   * ```
   */
  async of(host: string): Promise<PlanEntry | undefined> {
    checkHost(host);
    const kv = await this.#hostKv(host);
    return kv && entryOf(kv);
  }

  /**
   * Every claim, by subnet.
   *
   * @example
   * ```ts
   * for (const { host, subnet } of await plan.list()) console.log(host, subnet.toString());
   * ```
   */
  async list(): Promise<readonly PlanEntry[]> {
    const { kvs } = await this.#conn.range("listing the prefix plan", this.#conn.key(`${this.#base}subnet/`));
    return kvs.map(entryOf);
  }

  /**
   * Closes the connection.
   *
   * @example
   * ```ts
   * plan.close();
   * ```
   */
  close(): void {
    this.#conn.close();
  }

  /** An entry for `host` on the lowest free subnet or, after a lost race, one of the lowest. */
  async #candidate(host: string, raced: boolean): Promise<PlanEntry> {
    const taken = await this.list();
    const free = lowestFree(
      taken.map((e) => e.index),
      this.#total,
      raced ? SPREAD : 1,
    );
    const index = free[Math.floor(this.#random() * free.length)];
    if (index === undefined) throw new PlanExhaustedError(this.prefix.toString(), this.length);
    return { host, subnet: this.prefix.nth(this.length, index), index, since: this.#now() };
  }

  /** Creates both keys of `entry` if neither exists; returns the host's entry, or undefined to retry. */
  async #tryClaim(entry: PlanEntry): Promise<PlanEntry | undefined> {
    const hostKey = this.#hostKey(entry.host);
    const subnetKey = this.#subnetKey(entry.index);
    const absent = (key: Buffer) => ({ key, target: "Create" as const, result: "Equal" as const, create_revision: 0 });
    const stored: StoredEntry = {
      host: entry.host,
      subnet: entry.subnet.toString(),
      index: entry.index.toString(16),
      since: entry.since,
    };
    const value = Buffer.from(JSON.stringify(stored));
    const answer = await this.#conn.txn(`claiming a subnet for ${entry.host}`, {
      compare: [absent(hostKey), absent(subnetKey)],
      success: [{ request_put: { key: hostKey, value } }, { request_put: { key: subnetKey, value } }],
      failure: [{ request_range: { key: hostKey } }],
    });
    if (answer.succeeded) return entry;
    // The host's own key is there: another of its processes won, or an earlier try of this one.
    const held = answer.responses[0]?.response_range.kvs[0];
    return held && entryOf(held);
  }

  async #hostKv(host: string): Promise<IKeyValue | undefined> {
    return (await this.#conn.get(`reading the subnet of ${host}`, this.#hostKey(host))).kvs[0];
  }

  #hostKey(host: string): Buffer {
    return this.#conn.key(`${this.#base}host/${host}`);
  }

  /** Fixed-width hex, so that etcd's key order is the subnets' order. */
  #subnetKey(index: bigint): Buffer {
    return this.#conn.key(`${this.#base}subnet/${index.toString(16).padStart(this.#digits, "0")}`);
  }
}

/**
 * Up to `want` of the lowest indexes below `total` that are not in `taken` (ascending). Internal.
 *
 * @example
 * ```ts
 * lowestFree([0n, 2n], 8n, 3); // [1n, 3n, 4n]
 * ```
 */
export function lowestFree(taken: readonly bigint[], total: bigint, want: number): bigint[] {
  const free: bigint[] = [];
  let next = 0n;
  for (const t of [...taken, total]) {
    for (; next < t && free.length < want; next++) free.push(next);
    if (free.length >= want) break;
    next = t + 1n;
  }
  return free;
}

function entryOf(kv: IKeyValue): PlanEntry {
  const stored = JSON.parse(kv.value.toString("utf8")) as StoredEntry;
  return {
    host: stored.host,
    subnet: Prefix.parse(stored.subnet),
    index: BigInt(`0x${stored.index}`),
    since: stored.since,
  };
}

/** Host names become key segments; lone surrogates would not survive UTF-8, so two could collide. */
function checkHost(host: string): void {
  if (typeof host !== "string" || host === "" || /\p{Surrogate}/u.test(host)) {
    throw new PlanInputError("a host is named by a non-empty, well-formed string, such as its hostname");
  }
}
