import { randomBytes } from "node:crypto";
import type { CasResult, LeaseStore, LeaseStoreRecord, VersionedRecord } from "@own6/core";
import {
  EtcdLeaseInvalidError,
  type ICompare,
  type IKeyValue,
  type IRequestOp,
  type IWatchResponse,
  type Watcher,
} from "etcd3";
import type { EtcdConfig } from "../config.js";
import { Connection, safeNumber } from "../connection.js";
import { EtcdLeaseLostError, EtcdUnavailableError, EtcdWatchError } from "../errors.js";
import { HostLease } from "../lease/host-lease.js";
import { decode, encode } from "./codec.js";
import { ChangeFeed, type StoreChange, type StoreWatch, type WatchOptions } from "./watch.js";

/** Where the store's keys live, under the configured prefix. */
const LEASES = "leases/";

/**
 * A {@link LeaseStore} on etcd v3, shared by the allocators of every host in a cluster. Each record
 * is one key, `<prefix>/leases/<key>`, and its version is the key's `mod_revision`: etcd's
 * cluster-wide revision, which only grows, so a version is never reused, also across a delete and
 * a re-create. A compare-and-set is one etcd transaction comparing that revision (or, to create,
 * the key's absence), so of two allocators on two hosts that race for an address exactly one
 * wins, by Raft consensus. A request that a dying member left unanswered is sent again to another
 * member; a write id in each value makes the repeat find its own first copy instead of reporting
 * a conflict.
 *
 * With `lease` in the configuration, every record is written under the host's TTL lease
 * ({@link HostLease}), so the reservations of a host that dies expire after the TTL. With
 * {@link EtcdLeaseStore.watch}, an allocator learns of leases bound elsewhere
 * ({@link @own6/core!Allocator.observe}).
 *
 * @example
 * ```ts
 * const store = await EtcdLeaseStore.open({ endpoints: ["http://10.0.0.1:2379", "http://10.0.0.2:2379"], prefix: "/own6" });
 * const allocator = await Allocator.open({ store, prefixes, secret, dad, now: Date.now });
 * const watch = await store.watch("address/", (c) => allocator.observe(c.key, c.value));
 * ```
 */
export class EtcdLeaseStore implements LeaseStore {
  readonly #conn: Connection;
  readonly #lease: HostLease | undefined;
  readonly #writer = randomBytes(9).toString("base64url");
  readonly #watches = new Map<ChangeFeed, () => Promise<void>>();
  #writes = 0;
  #revision = 0;

  private constructor(conn: Connection, lease: HostLease | undefined) {
    this.#conn = conn;
    this.#lease = lease;
  }

  /**
   * Connects (lazily: the first request dials) and, with `lease` configured, resumes or grants
   * the host's lease.
   *
   * @throws {@link EtcdConfigError} for a configuration that cannot work;
   * {@link EtcdUnavailableError} when the lease cannot be set up.
   * @example
   * ```ts
   * const store = await EtcdLeaseStore.open({ endpoints: ["http://127.0.0.1:2379"], lease: { ttlSeconds: 30 } });
   * ```
   */
  static async open(config: EtcdConfig): Promise<EtcdLeaseStore> {
    const conn = Connection.open(config);
    try {
      const { lease } = conn.settings;
      return new EtcdLeaseStore(conn, lease && (await HostLease.acquire(conn, lease.hostId, lease.ttlSeconds)));
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /**
   * The host's lease, when the store was opened with one.
   *
   * @example
   * ```ts
   * store.hostLease?.onLost(() => process.exit(75));
   * ```
   */
  get hostLease(): HostLease | undefined {
    return this.#lease;
  }

  /**
   * The highest etcd revision this store has seen in an answer.
   *
   * @example
   * ```ts
   * await store.list("address/");
   * store.revision; // the revision the list was read at, or later
   * ```
   */
  get revision(): number {
    return this.#revision;
  }

  /** {@inheritDoc @own6/core!LeaseStore.get} */
  async get(key: string): Promise<VersionedRecord | undefined> {
    const answer = await this.#conn.get(`reading ${key}`, this.#key(key));
    this.#saw(key, safeNumber(answer.header.revision));
    const kv = answer.kvs[0];
    return kv && versioned(key, kv);
  }

  /** {@inheritDoc @own6/core!LeaseStore.list} */
  async list(keyPrefix: string): Promise<readonly VersionedRecord[]> {
    const { kvs, revision } = await this.#conn.range(`listing ${keyPrefix}`, this.#key(keyPrefix));
    this.#sawPrefix(keyPrefix, safeNumber(revision));
    return kvs.map((kv) => versioned(this.#pathOf(kv.key), kv));
  }

  /**
   * {@inheritDoc @own6/core!LeaseStore.compareAndSet}
   *
   * A write whose answer was lost is sent again, and reports success when its own record is
   * still there; it reports a conflict when another writer changed the record before the repeat,
   * and so does a repeated delete (the record is then absent, which is what the caller wanted).
   *
   * @throws {@link EtcdLeaseLostError} once the host's lease has ended; {@link EtcdUnavailableError}
   * when no member answered within `retryForMs` (the write may or may not have been applied).
   */
  async compareAndSet(key: string, expectedVersion: number | null, next: LeaseStoreRecord | null): Promise<CasResult> {
    // etcd gives an absent key mod_revision 0: a version that is no version must not create it.
    if (expectedVersion !== null && !(Number.isSafeInteger(expectedVersion) && expectedVersion > 0)) {
      return { ok: false, current: await this.get(key) };
    }
    const lease = this.#lease;
    if (lease?.lost) throw new EtcdLeaseLostError(lease.hostId);
    const writeId = `${this.#writer}.${++this.#writes}`;
    const k = this.#key(key);
    const compare: ICompare =
      expectedVersion === null
        ? { key: k, target: "Create", result: "Equal", create_revision: 0 }
        : { key: k, target: "Mod", result: "Equal", mod_revision: expectedVersion };
    const write: IRequestOp =
      next === null
        ? { request_delete_range: { key: k } }
        : { request_put: { key: k, value: encode(next, writeId), ...(lease && { lease: lease.id }) } };
    let answer: Awaited<ReturnType<Connection["txn"]>>;
    try {
      answer = await this.#conn.txn(`compare-and-set of ${key}`, {
        compare: [compare],
        success: [write],
        failure: [{ request_range: { key: k } }],
      });
    } catch (error) {
      if (!(lease && error instanceof EtcdLeaseInvalidError)) throw error;
      lease.markLost();
      throw new EtcdLeaseLostError(lease.hostId);
    }
    const revision = safeNumber(answer.header.revision);
    this.#saw(key, revision);
    if (answer.succeeded) return { ok: true, version: next === null ? null : revision };
    const kv = answer.responses[0]?.response_range.kvs[0];
    if (!kv) return { ok: false, current: undefined };
    if (decode(key, kv.value).writeId === writeId) return { ok: true, version: safeNumber(kv.mod_revision) };
    return { ok: false, current: versioned(key, kv) };
  }

  /**
   * Calls `listener` with every change under `keyPrefix` after the latest revision the store has
   * seen (open the allocator, then watch at once: the watch starts where the allocator's load
   * ended). Changes are reported in etcd's order, also across a dropped connection, and only when
   * they are newer than what this store's callers have already read or written of the key, so a
   * late event never undoes a newer state. Records this store wrote are not reported; its deletes
   * may be (a delete's event can come before its answer), which tells the caller what it is
   * about to learn anyway.
   *
   * @throws {@link EtcdUnavailableError} when no member confirms the watch within `retryForMs`.
   *
   * @example
   * ```ts
   * const allocator = await Allocator.open({ store, prefixes, secret, dad, now: Date.now });
   * const watch = await store.watch("address/", (c) => allocator.observe(c.key, c.value));
   * ```
   */
  async watch(
    keyPrefix: string,
    listener: (change: StoreChange) => void,
    options: WatchOptions = {},
  ): Promise<StoreWatch> {
    const after = this.#revision || (await this.#currentRevision());
    const feed = new ChangeFeed(after);
    const watcher = this.#conn.client
      .watch()
      .prefix(this.#key(keyPrefix))
      .startRevision(String(after + 1))
      .watcher();
    let failed = false;
    let stopped: Promise<void> | undefined;
    const stop = () => {
      this.#watches.delete(feed);
      stopped ??= watcher.cancel();
      return stopped;
    };
    this.#watches.set(feed, stop);
    const fail = (error: EtcdWatchError) => {
      if (failed) return;
      failed = true;
      void stop();
      options.onError?.(error);
    };
    // etcd3 resumes a dropped watch after the header revision of the last answer, which runs ahead
    // of the events while a watch catches up; resume after the last change seen instead.
    const resumeAfterFeed = () => {
      watcher.request.start_revision = String(feed.position + 1);
    };
    watcher.on("connected", resumeAfterFeed);
    watcher.on("data", (response) => {
      try {
        this.#deliver(feed, response, listener);
      } catch (error) {
        fail(new EtcdWatchError("a change could not be applied", error));
      }
      resumeAfterFeed();
    });
    await this.#connected(watcher).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    watcher.on("error", (error) => fail(new EtcdWatchError(error.message, error)));
    return { close: stop };
  }

  /**
   * Closes the connection and stops renewing the host's lease, without revoking it: the records
   * stay for the TTL (so that a restarted process can resume them) or, without a lease, for good.
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.#lease?.close();
    // Cancelled before the client closes, or etcd3 would keep trying to re-establish them.
    for (const stop of this.#watches.values()) void stop().catch(() => undefined);
    this.#conn.close();
  }

  #deliver(feed: ChangeFeed, response: IWatchResponse, listener: (change: StoreChange) => void): void {
    for (const event of response.events) {
      const key = this.#pathOf(event.kv.key);
      const version = safeNumber(event.kv.mod_revision);
      if (!feed.admit(key, version)) continue;
      if (event.type === "Delete") {
        listener({ key, value: null, version });
        continue;
      }
      // A write's event may come before its answer, so its sighting cannot filter it; its id can.
      const { record, writeId } = decode(key, event.kv.value);
      if (!writeId.startsWith(`${this.#writer}.`)) listener({ key, value: record, version });
    }
  }

  /** Waits for etcd to confirm the watch; etcd3 would keep reconnecting for ever on its own. */
  #connected(watcher: Watcher): Promise<void> {
    const { retryForMs } = this.#conn.settings;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new EtcdUnavailableError("starting a watch", new Error(`no member answered in ${retryForMs} ms`))),
        retryForMs,
      );
      watcher.once("connected", () => {
        clearTimeout(timer);
        resolve();
      });
      watcher.once("error", (error) => {
        clearTimeout(timer);
        reject(new EtcdWatchError(error.message, error));
      });
    });
  }

  async #currentRevision(): Promise<number> {
    const answer = await this.#conn.get("reading the revision", this.#key(""));
    return safeNumber(answer.header.revision);
  }

  #saw(key: string, revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    for (const feed of this.#watches.keys()) feed.saw(key, revision);
  }

  #sawPrefix(prefix: string, revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    for (const feed of this.#watches.keys()) feed.sawPrefix(prefix, revision);
  }

  #key(key: string): Buffer {
    return this.#conn.key(LEASES + key);
  }

  #pathOf(key: Buffer): string {
    return this.#conn.path(key).slice(LEASES.length);
  }
}

function versioned(key: string, kv: IKeyValue): VersionedRecord {
  return { key, value: decode(key, kv.value).record, version: safeNumber(kv.mod_revision) };
}
