import type { CasResult, LeaseStore, LeaseStoreRecord, VersionedRecord } from "./store.js";

/**
 * A {@link LeaseStore} in this process's memory: for tests, single-process embedding, and several
 * allocators in one process sharing leases. Versions come from one counter, so they are never
 * reused, and records are frozen copies, so no caller can change what another reads.
 *
 * @example
 * ```ts
 * const store = new MemoryLeaseStore();
 * const r = await store.compareAndSet("k", null, record); // { ok: true, version: 1 }
 * await store.compareAndSet("k", null, record);           // { ok: false, current: { ..., version: 1 } }
 * ```
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly #records = new Map<string, VersionedRecord>();
  #lastVersion = 0;

  /**
   * How many records the store holds.
   *
   * @example
   * ```ts
   * new MemoryLeaseStore().size; // 0
   * ```
   */
  get size(): number {
    return this.#records.size;
  }

  /** {@inheritDoc LeaseStore.get} */
  async get(key: string): Promise<VersionedRecord | undefined> {
    return this.#records.get(key);
  }

  /** {@inheritDoc LeaseStore.list} */
  async list(keyPrefix: string): Promise<readonly VersionedRecord[]> {
    return [...this.#records.values()].filter((r) => r.key.startsWith(keyPrefix));
  }

  /** {@inheritDoc LeaseStore.compareAndSet} */
  async compareAndSet(key: string, expectedVersion: number | null, next: LeaseStoreRecord | null): Promise<CasResult> {
    const current = this.#records.get(key);
    if ((current?.version ?? null) !== expectedVersion) return { ok: false, current };
    if (next === null) {
      this.#records.delete(key);
      return { ok: true, version: null };
    }
    const version = ++this.#lastVersion;
    this.#records.set(key, Object.freeze({ key, value: freezeRecord(next), version }));
    return { ok: true, version };
  }
}

function freezeRecord(record: LeaseStoreRecord): LeaseStoreRecord {
  if (record.kind === "address") return Object.freeze({ ...record });
  const dadCounters = Object.freeze(record.dadCounters.map((pair) => Object.freeze([pair[0], pair[1]] as const)));
  return Object.freeze({ ...record, dadCounters });
}
