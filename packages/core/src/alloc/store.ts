/**
 * A lease as stored under its address's key (`address/<address>`). Plain JSON: times are clock
 * milliseconds, `null` meaning never.
 *
 * @example
 * ```ts
 * const r: AddressRecord = { kind: "address", address: "2001:db8::1", prefix: "2001:db8::/64",
 *   owner: "ctr-1/eth0", algorithm: "rfc7217", networkId: "", dadCounter: 0, state: "bound",
 *   since: 0, preferredUntil: null, validUntil: null };
 * ```
 */
export interface AddressRecord {
  readonly kind: "address";
  /** RFC 5952 text. */
  readonly address: string;
  /** The prefix in CIDR text. */
  readonly prefix: string;
  /** The lease holder. */
  readonly owner: string;
  /** The name of the identifier algorithm. */
  readonly algorithm: string;
  /** RFC 7217's Network_ID the identifier was derived with. */
  readonly networkId: string;
  /** The DAD counter the identifier was derived with. */
  readonly dadCounter: number;
  /** `tentative` while DAD runs (a claim), `bound` once handed out. */
  readonly state: "tentative" | "bound";
  /** When the claim was made or the lease bound. */
  readonly since: number;
  /** When the lease stops being preferred; null for never. */
  readonly preferredUntil: number | null;
  /** When the lease stops being valid; null for never. */
  readonly validUntil: number | null;
}

/**
 * An owner's entry for one prefix (`owner/<prefix>/<owner>`): its current address, and the DAD
 * counter to start from per Network_ID (RFC 7217 §6 persistence), kept after a release.
 *
 * @example
 * ```ts
 * const r: OwnerRecord = { kind: "owner", owner: "ctr-1/eth0", prefix: "2001:db8::/64",
 *   address: "2001:db8::1", dadCounters: [["", 1]] };
 * ```
 */
export interface OwnerRecord {
  readonly kind: "owner";
  readonly owner: string;
  /** The prefix in CIDR text. */
  readonly prefix: string;
  /** The owner's address in this prefix, or null when it holds none. */
  readonly address: string | null;
  /** [networkId, DAD counter] pairs; only counters above 0 are kept. */
  readonly dadCounters: readonly (readonly [string, number])[];
}

/**
 * What a {@link LeaseStore} holds.
 *
 * @example
 * ```ts
 * if (record.kind === "address") console.log(record.owner);
 * ```
 */
export type LeaseStoreRecord = AddressRecord | OwnerRecord;

/**
 * A record with its key and version, as a {@link LeaseStore} returns it.
 *
 * @example
 * ```ts
 * const entry = await store.get(key);
 * if (entry) await store.compareAndSet(key, entry.version, null); // delete, unless it changed
 * ```
 */
export interface VersionedRecord {
  readonly key: string;
  readonly value: LeaseStoreRecord;
  /** See {@link LeaseStore} for what a version is. */
  readonly version: number;
}

/**
 * The answer to {@link LeaseStore.compareAndSet}: the new version (null after a delete), or the
 * record that is there instead (undefined when the key is absent).
 *
 * @example
 * ```ts
 * const r = await store.compareAndSet(key, null, record);
 * if (!r.ok) console.log("taken by", r.current?.value);
 * ```
 */
export type CasResult =
  | { readonly ok: true; readonly version: number | null }
  | { readonly ok: false; readonly current: VersionedRecord | undefined };

/**
 * Where leases live: a small versioned key-value map, shared by every allocator (process or host)
 * that hands out addresses from the same prefixes. Implement it over SQLite, etcd or anything
 * with a conditional write; {@link MemoryLeaseStore} is the in-process one.
 *
 * Contract:
 * - **Version.** Every successful write of a key gives it a new version: a positive safe integer
 *   that was never before used for that key, also across a delete and a re-create (a store-wide
 *   counter, SQLite's rowid of a change log, etcd's `mod_revision` all qualify). Versions are
 *   compared only for equality, so a stale version always loses.
 * - **Atomicity.** {@link LeaseStore.compareAndSet} is atomic and linearizable per key: of several
 *   writers that read version v, exactly one succeeds. There are no multi-key transactions; the
 *   allocator orders its writes so that a crash leaves at most a tentative claim, which goes
 *   stale after `claimTimeoutMs`.
 * - **Values** are the plain JSON objects above; a store may serialise them and must give back
 *   equal objects, never ones the caller can change under it.
 * - **Keys** are UTF-8 strings; `list` by key prefix must see every key written before it began.
 *
 * @example
 * ```ts
 * const store: LeaseStore = new MemoryLeaseStore();
 * const allocator = await Allocator.open({ store, prefixes, secret, dad, now });
 * ```
 */
export interface LeaseStore {
  /**
   * The record under `key`, or undefined.
   *
   * @example
   * ```ts
   * await store.get("address/2001:db8::1");
   * ```
   */
  get(key: string): Promise<VersionedRecord | undefined>;

  /**
   * Every record whose key starts with `keyPrefix`, in no particular order.
   *
   * @example
   * ```ts
   * await store.list("address/");
   * ```
   */
  list(keyPrefix: string): Promise<readonly VersionedRecord[]>;

  /**
   * Writes `next` under `key` (or deletes it when `next` is null) only if the key's version is
   * `expectedVersion` (null: only if the key is absent).
   *
   * @example
   * ```ts
   * await store.compareAndSet("address/2001:db8::1", null, record); // create, unless it exists
   * ```
   */
  compareAndSet(key: string, expectedVersion: number | null, next: LeaseStoreRecord | null): Promise<CasResult>;
}
