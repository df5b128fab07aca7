import { Address } from "../address.js";
import type { DadCheck } from "../dad/check.js";
import { IidExhaustedError } from "../errors.js";
import { isReservedIn } from "../iid/reserved.js";
import { mapPool } from "../pool.js";
import type { Prefix } from "../prefix.js";
import type { IidAlgorithm } from "./algorithm.js";
import {
  type AllocatorConfig,
  algorithmsOf,
  checkLifetime,
  checkOwner,
  FOREVER,
  MAX_DAD_COUNTER,
  type Settings,
  settingsOf,
} from "./config.js";
import {
  AllocationInconclusiveError,
  type AllocationTry,
  AllocatorInputError,
  DadRetriesExhaustedError,
  LeaseConflictError,
  LeaseTableLimitError,
  type TryOutcome,
} from "./errors.js";
import { type Lease, type LeaseLifetime, leaseStateAt } from "./lease.js";
import { type PrefixEntry, PrefixSet } from "./prefixes.js";
import {
  addressKey,
  addressOfKey,
  fromStored,
  iidFromHalves,
  iidHalves,
  ownerKey,
  ownerKeyPrefix,
  storedCounter,
  toStored,
  withCounter,
} from "./records.js";
import type { AddressRecord, LeaseStoreRecord, OwnerRecord, VersionedRecord } from "./store.js";
import { LeaseTable, TABLE_ADDRESS_TAKEN, TABLE_MAX_TAGS } from "./table.js";

const DEFAULT_RENUMBER_CONCURRENCY = 64;

/**
 * Per-allocation choices; each falls back to the allocator's default.
 *
 * @example
 * ```ts
 * await allocator.allocate("ctr-1/eth0", { prefix: Prefix.parse("2001:db8:2::/64"), networkId: "blue" });
 * ```
 */
export interface AllocateOptions {
  /** One of the allocator's prefixes, not deprecated. */
  readonly prefix?: Prefix;
  /** An algorithm's name. */
  readonly algorithm?: string;
  readonly networkId?: string;
  readonly lifetime?: LeaseLifetime;
}

/**
 * Options for {@link Allocator.renumber}.
 *
 * @example
 * ```ts
 * await allocator.renumber(oldPrefix, newPrefix, { validMs: 2 * 3_600_000 });
 * ```
 */
export interface RenumberOptions {
  /** The new prefix's lifetime, when the allocator does not serve it yet; for ever unless set. */
  readonly lifetime?: LeaseLifetime;
  /** How long the old addresses stay valid (deprecated) from now; their own lifetime unless set. */
  readonly validMs?: number;
  /** How many leases move at once (each runs DAD); default 64. */
  readonly concurrency?: number;
}

/**
 * What {@link Allocator.renumber} did: the leases in the new prefix, and the owners that got none.
 *
 * @example
 * ```ts
 * const { moved, failed } = await allocator.renumber(oldPrefix, newPrefix);
 * ```
 */
export interface RenumberResult {
  readonly moved: readonly Lease[];
  readonly failed: readonly { readonly owner: string; readonly error: unknown }[];
}

/** Everything one allocation needs, fixed before the first try. */
interface Plan {
  readonly owner: string;
  readonly slot: number;
  readonly entry: PrefixEntry;
  readonly algorithm: IidAlgorithm;
  readonly networkId: string;
  readonly lifetime: LeaseLifetime;
  readonly tag: number;
  readonly ownerEntry: VersionedRecord | undefined;
}

/** What a lease is made of, before its prefix's lifetimes cut it short. */
interface LeaseParts {
  readonly owner: string;
  readonly slot: number;
  readonly iid: Uint8Array;
  readonly dadCounter: number;
  readonly algorithm: string;
  readonly networkId: string;
  readonly preferredUntil: number;
  readonly validUntil: number;
}

type Busy = { readonly kind: "allocate" | "release"; readonly promise: Promise<unknown> };

/**
 * Hands out addresses in one or more prefixes and keeps them unique: each owner (RFC 7217's
 * Net_Iface, e.g. `<container id>/eth0`) gets one lease per prefix, derived by an identifier
 * algorithm (RFC 7217 by default), checked against the leases and the reserved identifiers,
 * and proven by DAD. After a conflict the DAD counter goes up and the next candidate is tried,
 * at least {@link IDGEN_RETRIES} times and at most `maxTries`, never with another algorithm
 * (RFC 7217 §6). The counter that worked is persisted per {prefix, owner, Network_ID}, and a
 * later allocation starts from it.
 *
 * Leases live in a {@link LeaseStore} (shared by every allocator using it; compare-and-set keeps
 * an address to one owner and an owner to one address per prefix) and in a compact in-memory
 * {@link LeaseTable}, which answers lookups. Lookups see this allocator's leases and those it
 * has met in the store; reopen to see everything.
 *
 * @example
 * ```ts
 * const allocator = await Allocator.open({ prefixes: [Prefix.parse("2001:db8:1::/64")], secret, dad, now });
 * const lease = await allocator.allocate("ctr-1/eth0");   // runs DAD
 * await allocator.allocate("ctr-1/eth0");                  // the same lease, no DAD
 * allocator.lookup(lease.address)?.owner;                  // "ctr-1/eth0"
 * await allocator.release("ctr-1/eth0");
 * ```
 */
export class Allocator {
  readonly #settings: Settings;
  readonly #algorithms: ReadonlyMap<string, IidAlgorithm>;
  readonly #prefixes = new PrefixSet();
  readonly #table: LeaseTable;
  readonly #tags = new Map<string, Map<string, number>>();
  readonly #profiles: { readonly algorithm: string; readonly networkId: string }[] = [];
  readonly #busy = new Map<string, Busy>();

  private constructor(settings: Settings, algorithms: ReadonlyMap<string, IidAlgorithm>) {
    this.#settings = settings;
    this.#algorithms = algorithms;
    this.#table = new LeaseTable(settings.now());
  }

  /**
   * Checks the configuration, serves its prefixes, and loads the bound leases of those prefixes
   * from the store.
   *
   * @throws {@link AllocatorInputError} (`ALLOC_CONFIG_INVALID`, `PREFIX_OVERLAP`,
   * `LIFETIME_INVALID`), {@link PrefixUnhostableError} for a prefix that cannot host addresses.
   * @example
   * ```ts
   * const allocator = await Allocator.open({ prefixes, secret, dad, now: () => clock.now() });
   * ```
   */
  static async open(config: AllocatorConfig): Promise<Allocator> {
    const allocator = new Allocator(settingsOf(config), algorithmsOf(config));
    for (const prefix of config.prefixes) allocator.addPrefix(prefix);
    await allocator.#load();
    return allocator;
  }

  /**
   * How many leases the allocator's table holds (tentative ones, under DAD, included).
   *
   * @example
   * ```ts
   * allocator.size; // 0 before the first allocation
   * ```
   */
  get size(): number {
    return this.#table.size;
  }

  /**
   * The lease of `owner` in the chosen prefix: the existing one when there is one (no DAD),
   * else a new one proven by DAD. Concurrent calls for the same owner and prefix share one
   * allocation.
   *
   * @throws {@link DadRetriesExhaustedError} when every try failed; {@link AllocationInconclusiveError}
   * when DAD could not decide (unless `inconclusive` is `retry`); {@link AllocatorInputError};
   * {@link LeaseConflictError} when another allocator changed the owner's record meanwhile.
   * @example
   * ```ts
   * const lease = await allocator.allocate("ctr-1/eth0", { lifetime: { preferredMs: 3_600_000, validMs: 7_200_000 } });
   * ```
   */
  async allocate(owner: string, options: AllocateOptions = {}): Promise<Lease> {
    checkOwner(owner);
    const slot = this.#chooseSlot(options.prefix);
    return this.#serial(slot, owner, "allocate", async () => {
      const plan = await this.#plan(owner, slot, options);
      const existing = await this.#existing(plan);
      if (existing) return existing;
      return this.#tryCounters(plan, storedCounter(ownerValue(plan), plan.networkId), undefined);
    });
  }

  /**
   * Releases `owner`'s lease in `prefix`, or in every prefix, and returns what was released. The
   * persisted DAD counters stay, so a later allocation starts from them.
   *
   * @example
   * ```ts
   * const [lease] = await allocator.release("ctr-1/eth0");
   * ```
   */
  async release(owner: string, prefix?: Prefix): Promise<readonly Lease[]> {
    checkOwner(owner);
    const slots = prefix ? [this.#knownSlot(prefix)] : this.#prefixes.slots();
    const released: Lease[] = [];
    for (const slot of slots) {
      const lease = await this.#serial(slot, owner, "release", () => this.#releaseOne(owner, slot));
      if (lease) released.push(lease);
    }
    return released;
  }

  /**
   * The bound lease on `address`, or undefined.
   *
   * @example
   * ```ts
   * allocator.lookup(Address.parse("2001:db8:1::1234"))?.owner;
   * ```
   */
  lookup(address: Address): Lease | undefined {
    const slot = this.#prefixes.slotContaining(address);
    if (slot === undefined) return undefined;
    const [hi, lo] = iidHalves(this.#prefixes.get(slot).prefix.iidOf(address));
    const handle = this.#table.findAddress(slot, hi, lo);
    return handle >= 0 && !this.#table.isTentative(handle) ? this.#lease(handle) : undefined;
  }

  /**
   * `owner`'s bound leases, one per prefix at most, in prefix order.
   *
   * @example
   * ```ts
   * allocator.leasesOf("ctr-1/eth0").map((l) => l.address.toString());
   * ```
   */
  leasesOf(owner: string): readonly Lease[] {
    return this.#prefixes.slots().flatMap((slot) => {
      const handle = this.#table.findOwner(owner, slot);
      return handle >= 0 && !this.#table.isTentative(handle) ? [this.#lease(handle)] : [];
    });
  }

  /**
   * Applies a change another allocator made to the store, as a watch on the store reports it, so
   * that lookups answer for leases bound elsewhere: a bound lease in a served prefix is adopted;
   * an address deleted (`value` null) or claimed afresh is forgotten; owner records are left to
   * their address's change. Feed changes in the store's order, and only those newer than what
   * this allocator read or wrote for the key (EtcdLeaseStore's watch filters them so). A row of
   * a running allocation is never touched.
   *
   * @example
   * ```ts
   * await store.watch("address/", (change) => allocator.observe(change.key, change.value));
   * ```
   */
  observe(key: string, value: LeaseStoreRecord | null): void {
    const text = addressOfKey(key);
    if (text === undefined) return;
    if (value?.kind === "address" && value.state === "bound") {
      const slot = this.#prefixes.slots().find((s) => this.#prefixes.get(s).text === value.prefix);
      if (slot !== undefined) this.#adopt(value, slot);
      return;
    }
    const address = Address.parse(text);
    const slot = this.#prefixes.slotContaining(address);
    if (slot === undefined) return;
    const [hi, lo] = iidHalves(this.#prefixes.get(slot).prefix.iidOf(address));
    const handle = this.#table.findAddress(slot, hi, lo);
    if (handle >= 0 && !this.#table.isTentative(handle)) this.#table.remove(handle);
  }

  /**
   * Serves `prefix` (or, when it is served already, renews its lifetime, as a new Router
   * Advertisement does). Lifetimes count from now.
   *
   * @throws {@link AllocatorInputError} (`PREFIX_OVERLAP`, `LIFETIME_INVALID`).
   * @example
   * ```ts
   * allocator.addPrefix(Prefix.parse("2001:db8:2::/64"), { preferredMs: 7 * 86_400_000, validMs: 30 * 86_400_000 });
   * ```
   */
  addPrefix(prefix: Prefix, lifetime: LeaseLifetime = FOREVER): void {
    checkLifetime(lifetime);
    const now = this.#settings.now();
    const slot = this.#prefixes.slotOf(prefix);
    if (slot === undefined) {
      this.#prefixes.add(prefix, now + lifetime.preferredMs, now + lifetime.validMs);
      return;
    }
    const entry = this.#prefixes.get(slot);
    entry.preferredUntil = now + lifetime.preferredMs;
    entry.validUntil = now + lifetime.validMs;
  }

  /**
   * Ends `prefix`'s preferred lifetime now: its leases become deprecated and new leases go to
   * another prefix. With `validMs`, its leases also stop being valid that long from now.
   *
   * @throws {@link AllocatorInputError} (`PREFIX_UNKNOWN`).
   * @example
   * ```ts
   * allocator.deprecatePrefix(oldPrefix, 2 * 3_600_000);
   * ```
   */
  deprecatePrefix(prefix: Prefix, validMs?: number): void {
    const entry = this.#prefixes.get(this.#knownSlot(prefix));
    const now = this.#settings.now();
    entry.preferredUntil = Math.min(entry.preferredUntil, now);
    if (validMs !== undefined) entry.validUntil = Math.min(entry.validUntil, now + validMs);
  }

  /**
   * Stops serving `prefix` at once: releases every lease in it (this allocator's and those in
   * the store) and returns them.
   *
   * @throws {@link AllocatorInputError} (`PREFIX_UNKNOWN`).
   * @example
   * ```ts
   * await allocator.removePrefix(oldPrefix);
   * ```
   */
  async removePrefix(prefix: Prefix): Promise<readonly Lease[]> {
    const slot = this.#knownSlot(prefix);
    const entry = this.#prefixes.get(slot);
    const now = this.#settings.now();
    // Expire it first, so that no allocation starts in it while its leases are released.
    entry.preferredUntil = Math.min(entry.preferredUntil, now);
    entry.validUntil = Math.min(entry.validUntil, now);
    const released: Lease[] = [];
    for (const owner of await this.#ownersIn(slot)) {
      const lease = await this.#serial(slot, owner, "release", () => this.#releaseOne(owner, slot));
      if (lease) released.push(lease);
    }
    this.#prefixes.remove(slot);
    return released;
  }

  /**
   * Moves every lease of `from` to `to` (served from now on if it is not yet): each owner keeps
   * its identifier and DAD counter when DAD in `to` allows, else gets the algorithm's candidate
   * for the next counters. `from` is deprecated first, so its addresses stay valid (for
   * `validMs`, or their own lifetime) while connections move, and new leases go to `to`.
   *
   * @example
   * ```ts
   * const { moved, failed } = await allocator.renumber(Prefix.parse("2001:db8:1::/64"), Prefix.parse("2001:db8:9::/64"));
   * ```
   */
  async renumber(from: Prefix, to: Prefix, options: RenumberOptions = {}): Promise<RenumberResult> {
    const fromSlot = this.#knownSlot(from);
    if (this.#prefixes.slotOf(to) === undefined) this.addPrefix(to, options.lifetime);
    const toSlot = this.#knownSlot(to);
    this.deprecatePrefix(from, options.validMs);
    const rows = this.#table
      .handles()
      .filter((h) => this.#table.prefixSlot(h) === fromSlot && !this.#table.isTentative(h))
      .map((h) => this.#table.row(h));
    const outcomes = await mapPool(rows, options.concurrency ?? DEFAULT_RENUMBER_CONCURRENCY, async (row) => {
      try {
        return await this.#move(row.owner, row.tag, iidFromHalves(row.iidHi, row.iidLo), row.dadCounter, toSlot);
      } catch (error) {
        return { owner: row.owner, error };
      }
    });
    return {
      moved: outcomes.filter((o): o is Lease => !("error" in o)),
      failed: outcomes.filter((o) => "error" in o),
    };
  }

  /**
   * Releases every lease whose valid lifetime has ended, and stops serving prefixes whose valid
   * lifetime has ended. Call it from time to time; nothing runs on its own.
   *
   * @example
   * ```ts
   * const expired = await allocator.expire();
   * ```
   */
  async expire(): Promise<readonly Lease[]> {
    const now = this.#settings.now();
    const released: Lease[] = [];
    for (const [owner, prefix] of this.#expiredAt(now)) released.push(...(await this.release(owner, prefix)));
    for (const slot of this.#prefixes.slots()) {
      const entry = this.#prefixes.get(slot);
      if (entry.validUntil <= now) released.push(...(await this.removePrefix(entry.prefix)));
    }
    return released;
  }

  /** (owner, prefix) of every bound lease whose valid lifetime, or its prefix's, ended by `now`. */
  #expiredAt(now: number): [string, Prefix][] {
    const table = this.#table;
    return table.handles().flatMap((h): [string, Prefix][] => {
      const entry = this.#prefixes.get(table.prefixSlot(h));
      const ended = Math.min(table.validUntil(h), entry.validUntil) <= now;
      return ended && !table.isTentative(h) ? [[table.owner(h), entry.prefix]] : [];
    });
  }

  async #load(): Promise<void> {
    for (const { value } of await this.#settings.store.list("address/")) {
      if (value.kind !== "address" || value.state !== "bound") continue;
      const slot = this.#prefixes.slots().find((s) => this.#prefixes.get(s).text === value.prefix);
      if (slot !== undefined) this.#adopt(value, slot);
    }
  }

  /**
   * Runs `run` for (slot, owner) after whatever runs for them now. A second allocation joins the
   * running one instead, which is how concurrent calls for one owner make one lease.
   */
  #serial<T>(slot: number, owner: string, kind: Busy["kind"], run: () => Promise<T>): Promise<T> {
    const key = `${slot}/${owner}`;
    const busy = this.#busy.get(key);
    if (busy?.kind === "allocate" && kind === "allocate") return busy.promise as Promise<T>;
    const promise = (async () => {
      if (busy) await busy.promise.catch(() => undefined);
      return run();
    })();
    this.#busy.set(key, { kind, promise });
    const done = () => {
      if (this.#busy.get(key)?.promise === promise) this.#busy.delete(key);
    };
    promise.then(done, done);
    return promise;
  }

  async #plan(owner: string, slot: number, options: AllocateOptions): Promise<Plan> {
    const algorithm = this.#algorithm(options.algorithm ?? this.#settings.algorithm);
    const networkId = options.networkId ?? this.#settings.networkId;
    const lifetime = options.lifetime ?? this.#settings.lifetime;
    checkLifetime(lifetime);
    const entry = this.#prefixes.get(slot);
    const tag = this.#tag(algorithm.name, networkId);
    const ownerEntry = await this.#settings.store.get(ownerKey(entry.text, owner));
    return { owner, slot, entry, algorithm, networkId, lifetime, tag, ownerEntry };
  }

  /** The owner's bound, unexpired lease in the plan's prefix, as the store has it. */
  async #existing(plan: Plan): Promise<Lease | undefined> {
    const address = ownerValue(plan)?.address;
    const record = address ? (await this.#settings.store.get(addressKey(address)))?.value : undefined;
    const live =
      record?.kind === "address" &&
      record.owner === plan.owner &&
      record.state === "bound" &&
      fromStored(record.validUntil) > this.#settings.now();
    if (live) return this.#adopt(record, plan.slot);
    this.#forget(plan.owner, plan.slot);
    return undefined;
  }

  /** Tries DAD counters from `start` until a candidate is proven unique or the cap is reached. */
  async #tryCounters(plan: Plan, start: number, keptIid: Uint8Array | undefined): Promise<Lease> {
    const tries: AllocationTry[] = [];
    let counter = start;
    let kept = keptIid; // tried first, and again while DAD stays inconclusive on it
    while (tries.length < this.#settings.maxTries && counter <= MAX_DAD_COUNTER) {
      if (tries.length > 0) await this.#idgenDelay();
      const iid = kept ?? this.#derive(plan, counter);
      const result = iid
        ? await this.#tryCandidate(plan, iid, counter)
        : tryOf("", counter, "reserved", `${plan.algorithm.name} gave a reserved identifier`);
      if (!("outcome" in result)) return result;
      tries.push(result);
      if (result.outcome === "inconclusive" && this.#settings.inconclusive === "fail") {
        throw new AllocationInconclusiveError(result.address, result.detail);
      }
      if (result.outcome !== "inconclusive") {
        counter++;
        kept = undefined;
      }
    }
    throw new DadRetriesExhaustedError(plan.owner, plan.entry.text, tries);
  }

  #derive(plan: Plan, counter: number): Uint8Array | undefined {
    const { prefix } = plan.entry;
    const request = {
      prefix,
      owner: plan.owner,
      networkId: plan.networkId,
      dadCounter: counter,
      maxDadCounter: counter,
    };
    try {
      return plan.algorithm.derive(request).iid;
    } catch (error) {
      if (error instanceof IidExhaustedError) return undefined;
      throw error;
    }
  }

  async #idgenDelay(): Promise<void> {
    const { idgenDelayMs, sleep, random } = this.#settings;
    if (idgenDelayMs > 0 && sleep) await sleep(random ? random() * idgenDelayMs : idgenDelayMs);
  }

  /**
   * One candidate: reserved? held in the table? claimed in the store? unique by DAD? The table
   * row is claimed synchronously before the first await, so two allocations in this process
   * cannot both pass the check; the store claim does the same across processes.
   */
  async #tryCandidate(plan: Plan, rawIid: Uint8Array, counter: number): Promise<Lease | AllocationTry> {
    const { prefix } = plan.entry;
    const address = prefix.withIid(rawIid);
    const text = address.toString();
    const iid = prefix.iidOf(address);
    if (isReservedIn(prefix, iid)) return tryOf(text, counter, "reserved", "RFC 5453 reserved identifier");
    const [iidHi, iidLo] = iidHalves(iid);
    const handle = this.#table.insert({
      owner: plan.owner,
      prefixSlot: plan.slot,
      iidHi,
      iidLo,
      dadCounter: counter,
      tag: plan.tag,
      tentative: true,
      preferredUntil: 0,
      validUntil: 0,
    });
    if (handle === TABLE_ADDRESS_TAKEN) return tryOf(text, counter, "in-use", this.#holder(plan.slot, iidHi, iidLo));
    let bound = false;
    try {
      const probe = await this.#probe(plan, address, text, counter);
      if (typeof probe !== "number") return probe;
      const lease = await this.#bind(plan, handle, text, counter, probe);
      bound = true;
      return lease;
    } finally {
      if (!bound) this.#table.remove(handle);
    }
  }

  #holder(slot: number, hi: number, lo: number): string {
    return this.#table.owner(this.#table.findAddress(slot, hi, lo));
  }

  /** Claims the address in the store and runs DAD; returns the claim's version when unique. */
  async #probe(plan: Plan, address: Address, text: string, counter: number): Promise<number | AllocationTry> {
    const claim = await this.#claim(plan, text, counter);
    if (typeof claim === "string") return tryOf(text, counter, "in-use", claim);
    let outcome: Awaited<ReturnType<DadCheck>>;
    try {
      outcome = await this.#settings.dad(address, { owner: plan.owner });
    } catch (error) {
      await this.#drop(text, claim);
      throw error;
    }
    if (outcome.status === "unique") return claim;
    await this.#drop(text, claim);
    const detail = outcome.status === "duplicate" ? outcome.evidence : outcome.reason;
    return tryOf(text, counter, outcome.status, detail);
  }

  /** Writes a tentative claim; returns its version, or the holder's owner when it is taken. */
  async #claim(plan: Plan, text: string, counter: number): Promise<number | string> {
    const { store, now } = this.#settings;
    const key = addressKey(text);
    const record = this.#record(plan, text, counter, now(), null);
    const first = await store.compareAndSet(key, null, record);
    if (first.ok) return first.version ?? 0;
    const current = first.current;
    if (current && this.#reclaimable(current.value)) {
      const retry = await store.compareAndSet(key, current.version, record);
      if (retry.ok) return retry.version ?? 0;
    }
    return current?.value.owner ?? "";
  }

  /** A claim nobody is working on (older than claimTimeoutMs) or an expired lease may be taken over. */
  #reclaimable(record: AddressRecord | OwnerRecord): boolean {
    if (record.kind !== "address") return false;
    const now = this.#settings.now();
    if (record.state === "tentative") return record.since + this.#settings.claimTimeoutMs <= now;
    return fromStored(record.validUntil) <= now;
  }

  async #drop(text: string, version: number): Promise<void> {
    await this.#settings.store.compareAndSet(addressKey(text), version, null);
  }

  /** Points the owner's record at the address (persisting the counter), then binds the claim. */
  async #bind(plan: Plan, handle: number, text: string, counter: number, claim: number): Promise<Lease> {
    const { store, now } = this.#settings;
    const ownerRecord: OwnerRecord = {
      kind: "owner",
      owner: plan.owner,
      prefix: plan.entry.text,
      address: text,
      dadCounters: withCounter(ownerValue(plan), plan.networkId, counter),
    };
    const owned = await store.compareAndSet(
      ownerKey(plan.entry.text, plan.owner),
      plan.ownerEntry?.version ?? null,
      ownerRecord,
    );
    if (!owned.ok) {
      await this.#drop(text, claim);
      throw new LeaseConflictError(`another allocator changed ${plan.owner} in ${plan.entry.text} meanwhile; retry`);
    }
    const start = now();
    const preferredUntil = start + plan.lifetime.preferredMs;
    const validUntil = start + plan.lifetime.validMs;
    const bound = await store.compareAndSet(
      addressKey(text),
      claim,
      this.#record(plan, text, counter, start, plan.lifetime),
    );
    if (!bound.ok) {
      throw new LeaseConflictError(`the claim on ${text} was taken over (DAD outlasted claimTimeoutMs); retry`);
    }
    this.#table.bind(handle, preferredUntil, validUntil);
    return this.#lease(handle);
  }

  /** The address record of a claim (no lifetime) or of a lease bound at `since`. */
  #record(plan: Plan, text: string, counter: number, since: number, lifetime: LeaseLifetime | null): AddressRecord {
    return {
      kind: "address",
      address: text,
      prefix: plan.entry.text,
      owner: plan.owner,
      algorithm: plan.algorithm.name,
      networkId: plan.networkId,
      dadCounter: counter,
      state: lifetime ? "bound" : "tentative",
      since,
      preferredUntil: lifetime ? toStored(since + lifetime.preferredMs) : null,
      validUntil: lifetime ? toStored(since + lifetime.validMs) : null,
    };
  }

  async #releaseOne(owner: string, slot: number): Promise<Lease | undefined> {
    const { store } = this.#settings;
    const entry = this.#prefixes.get(slot);
    const key = ownerKey(entry.text, owner);
    const ownerEntry = await store.get(key);
    const record = ownerEntry?.value.kind === "owner" ? ownerEntry.value : undefined;
    const addressEntry = record?.address ? await store.get(addressKey(record.address)) : undefined;
    let lease: Lease | undefined;
    if (addressEntry?.value.kind === "address" && addressEntry.value.owner === owner) {
      if (addressEntry.value.state === "bound") lease = this.#adopt(addressEntry.value, slot);
      await store.compareAndSet(addressEntry.key, addressEntry.version, null);
    }
    if (ownerEntry && record) {
      const next = record.dadCounters.length > 0 ? { ...record, address: null } : null;
      await store.compareAndSet(key, ownerEntry.version, next);
    }
    this.#forget(owner, slot);
    return lease;
  }

  /** Moves one owner to `toSlot`, trying its old identifier first. */
  #move(owner: string, tag: number, iid: Uint8Array, counter: number, toSlot: number): Promise<Lease> {
    const profile = this.#profiles[tag] ?? { algorithm: this.#settings.algorithm, networkId: this.#settings.networkId };
    return this.#serial(toSlot, owner, "allocate", async () => {
      const plan = await this.#plan(owner, toSlot, profile);
      return (await this.#existing(plan)) ?? this.#tryCounters(plan, counter, iid);
    });
  }

  /** Owners with a lease in `slot`: in the table, and in the store (other allocators'). */
  async #ownersIn(slot: number): Promise<string[]> {
    const owners = new Set<string>();
    for (const h of this.#table.handles()) if (this.#table.prefixSlot(h) === slot) owners.add(this.#table.owner(h));
    const records = await this.#settings.store.list(ownerKeyPrefix(this.#prefixes.get(slot).text));
    for (const { value } of records) if (value.kind === "owner" && value.address) owners.add(value.owner);
    return [...owners];
  }

  /**
   * The lease of a stored record, which the table is made to hold too (the store wins over the
   * table). A tentative row is never evicted: it belongs to a running allocation, whose handle
   * must stay its own, so then the lease is built from the record alone.
   */
  #adopt(record: AddressRecord, slot: number): Lease {
    const { prefix } = this.#prefixes.get(slot);
    const iid = prefix.iidOf(Address.parse(record.address));
    const [iidHi, iidLo] = iidHalves(iid);
    const parts: LeaseParts = {
      owner: record.owner,
      slot,
      iid,
      dadCounter: record.dadCounter,
      algorithm: record.algorithm,
      networkId: record.networkId,
      preferredUntil: fromStored(record.preferredUntil),
      validUntil: fromStored(record.validUntil),
    };
    for (const held of [this.#table.findOwner(record.owner, slot), this.#table.findAddress(slot, iidHi, iidLo)]) {
      if (held < 0) continue;
      const row = this.#table.row(held);
      if (row.owner === record.owner && row.iidHi === iidHi && row.iidLo === iidLo && !row.tentative) {
        return this.#lease(held);
      }
      if (row.tentative) return this.#leaseOf(parts);
      this.#table.remove(held);
    }
    const tag = this.#tag(record.algorithm, record.networkId);
    return this.#lease(this.#table.insert({ ...parts, prefixSlot: slot, iidHi, iidLo, tag, tentative: false }));
  }

  #forget(owner: string, slot: number): void {
    const handle = this.#table.findOwner(owner, slot);
    if (handle >= 0) this.#table.remove(handle);
  }

  #lease(handle: number): Lease {
    const row = this.#table.row(handle);
    const profile = this.#profiles[row.tag] ?? { algorithm: "", networkId: "" };
    return this.#leaseOf({
      owner: row.owner,
      slot: row.prefixSlot,
      iid: iidFromHalves(row.iidHi, row.iidLo),
      dadCounter: row.dadCounter,
      algorithm: profile.algorithm,
      networkId: profile.networkId,
      preferredUntil: row.preferredUntil,
      validUntil: row.validUntil,
    });
  }

  /** A lease snapshot; its lifetimes are cut short by its prefix's. */
  #leaseOf(parts: LeaseParts): Lease {
    const entry = this.#prefixes.get(parts.slot);
    const validUntil = Math.min(parts.validUntil, entry.validUntil);
    const preferredUntil = Math.min(parts.preferredUntil, entry.preferredUntil, validUntil);
    return {
      owner: parts.owner,
      prefix: entry.prefix,
      address: entry.prefix.withIid(parts.iid),
      iid: parts.iid,
      dadCounter: parts.dadCounter,
      algorithm: parts.algorithm,
      networkId: parts.networkId,
      preferredUntil,
      validUntil,
      state: leaseStateAt(this.#settings.now(), preferredUntil, validUntil),
    };
  }

  #tag(algorithm: string, networkId: string): number {
    const byNetwork = this.#tags.get(algorithm) ?? new Map<string, number>();
    this.#tags.set(algorithm, byNetwork);
    const known = byNetwork.get(networkId);
    if (known !== undefined) return known;
    if (this.#profiles.length >= TABLE_MAX_TAGS) {
      throw new LeaseTableLimitError(`at most ${TABLE_MAX_TAGS} (algorithm, networkId) pairs per allocator`);
    }
    this.#profiles.push({ algorithm, networkId });
    byNetwork.set(networkId, this.#profiles.length - 1);
    return this.#profiles.length - 1;
  }

  #algorithm(name: string): IidAlgorithm {
    const algorithm = this.#algorithms.get(name);
    if (!algorithm) {
      const known = [...this.#algorithms.keys()].join(", ");
      throw new AllocatorInputError("ALGORITHM_UNKNOWN", `no algorithm named ${JSON.stringify(name)}; known: ${known}`);
    }
    return algorithm;
  }

  #chooseSlot(prefix: Prefix | undefined): number {
    const now = this.#settings.now();
    if (prefix === undefined) {
      const slot = this.#prefixes.firstPreferred(now);
      if (slot === undefined) throw new AllocatorInputError("PREFIX_NONE", "no prefix is preferred now; add one");
      return slot;
    }
    const slot = this.#knownSlot(prefix);
    if (this.#prefixes.get(slot).preferredUntil <= now) {
      throw new AllocatorInputError(
        "PREFIX_DEPRECATED",
        `${prefix} is deprecated; new leases go to a preferred prefix`,
      );
    }
    return slot;
  }

  #knownSlot(prefix: Prefix): number {
    const slot = this.#prefixes.slotOf(prefix);
    if (slot === undefined)
      throw new AllocatorInputError("PREFIX_UNKNOWN", `${prefix} is not served; addPrefix it first`);
    return slot;
  }
}

function ownerValue(plan: Plan): OwnerRecord | undefined {
  const value = plan.ownerEntry?.value;
  return value?.kind === "owner" ? value : undefined;
}

function tryOf(address: string, dadCounter: number, outcome: TryOutcome, detail: string): AllocationTry {
  return { address, dadCounter, outcome, detail };
}
