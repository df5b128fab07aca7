import type { LeaseStoreRecord } from "@own6/core";
import type { EtcdWatchError } from "../errors.js";

/**
 * One change to the lease store, as {@link EtcdLeaseStore.watch} reports it: the record now under
 * `key`, or null after a delete (a release, or the expiry of a host's lease).
 *
 * @example
 * ```ts
 * const onChange = (c: StoreChange) => console.log(c.key, c.value ? "set" : "deleted", "at", c.version);
 * ```
 */
export interface StoreChange {
  readonly key: string;
  readonly value: LeaseStoreRecord | null;
  /** The etcd revision of the change: the record's version after a write. */
  readonly version: number;
}

/**
 * Options of {@link EtcdLeaseStore.watch}.
 *
 * @example
 * ```ts
 * await store.watch("address/", onChange, { onError: (e) => reopen(e) });
 * ```
 */
export interface WatchOptions {
  /** Called once if the watch ends for good (compaction, a listener that threw). */
  readonly onError?: (error: EtcdWatchError) => void;
}

/**
 * A running watch.
 *
 * @example
 * ```ts
 * const watch = await store.watch("address/", onChange);
 * await watch.close();
 * ```
 */
export interface StoreWatch {
  /**
   * Stops the watch.
   *
   * @example
   * ```ts
   * await watch.close();
   * ```
   */
  close(): Promise<void>;
}

// Compact the queue of observations when this many entries have been passed.
const COMPACT_AFTER = 1024;

/**
 * Decides which changes a watch reports: only those newer than anything the store's callers have
 * already seen of their key. Watch events arrive late; a caller that read or wrote a key at
 * revision r (and acted on it) must not then be told of a change older than r, which would take
 * it back in time. So the store tells the feed every revision at which its callers saw a key (or
 * a whole key prefix), until the watch has passed that revision. Internal.
 */
export class ChangeFeed {
  #position: number;
  readonly #seen = new Map<string, number>();
  #order: (readonly [string, number])[] = [];
  #head = 0;
  #listed: (readonly [string, number])[] = [];

  constructor(after: number) {
    this.#position = after;
  }

  /** The revision the watch has reached. */
  get position(): number {
    return this.#position;
  }

  /** A caller saw `key` as it was at `revision`. */
  saw(key: string, revision: number): void {
    if (revision <= this.#position || (this.#seen.get(key) ?? 0) >= revision) return;
    this.#seen.set(key, revision);
    this.#order.push([key, revision]);
  }

  /** A caller saw every key starting with `prefix` as they were at `revision`. */
  sawPrefix(prefix: string, revision: number): void {
    if (revision > this.#position) this.#listed.push([prefix, revision]);
  }

  /** Whether the change of `key` at `revision` is news; the feed moves past it either way. */
  admit(key: string, revision: number): boolean {
    const stale =
      revision <= (this.#seen.get(key) ?? 0) || this.#listed.some(([p, r]) => key.startsWith(p) && revision <= r);
    this.#advance(revision);
    return !stale;
  }

  #advance(revision: number): void {
    if (revision <= this.#position) return;
    this.#position = revision;
    for (let next = this.#order[this.#head]; next && next[1] <= revision; next = this.#order[++this.#head]) {
      if (this.#seen.get(next[0]) === next[1]) this.#seen.delete(next[0]);
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    this.#listed = this.#listed.filter(([, r]) => r > revision);
  }
}
