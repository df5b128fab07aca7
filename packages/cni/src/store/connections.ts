import { statSync } from "node:fs";
import { join } from "node:path";
import type { LeaseStore } from "@own6/core";
import type { ClosableLeaseStore } from "@own6/etcd";
import { SqliteLeaseStore } from "@own6/sqlite";

// A resident process keeps at most this many databases open (a host has a few networks); the
// least recently used idle one is closed first.
const MAX_OPEN = 32;

interface Entry {
  readonly store: SqliteLeaseStore;
  readonly dev: number;
  readonly ino: number;
  borrowed: number;
  stale: boolean;
}

/**
 * SQLite lease databases kept open between calls, for own6-cnid. Closing the last connection to
 * a WAL database checkpoints it and deletes the WAL with fsyncs, ~6 ms per call, which is most of
 * what an ADD costs; an open connection commits in ~0.1 ms. Every write is still its own `BEGIN
 * IMMEDIATE` transaction in the same file, so other processes (the Node plugins, another host's
 * tools) serialise with the daemon exactly as with each other, and a crash loses nothing
 * committed. A database file that was removed or replaced since it was opened is opened afresh,
 * as a new process would.
 *
 * @example
 * ```ts
 * const connections = new SqliteConnections();
 * const reservations = await Reservations.open(dataDir, "own6-net", { type: "sqlite" }, connections);
 * reservations.close(); // the connection stays open for the next call
 * connections.close();
 * ```
 */
export class SqliteConnections {
  readonly #open = new Map<string, Entry>();

  /**
   * The store of `leases.db` in `dir` (created 0700 like {@link SqliteLeaseStore.openIn}); its
   * `close()` hands the connection back instead of closing it.
   *
   * @example
   * ```ts
   * const store = connections.open("/var/lib/own6/cni/own6-net");
   * ```
   */
  open(dir: string): ClosableLeaseStore {
    const path = join(dir, "leases.db");
    let entry = this.#open.get(path);
    const file = fileId(path);
    if (entry && (file?.dev !== entry.dev || file.ino !== entry.ino)) {
      this.#retire(path, entry);
      entry = undefined;
    }
    if (entry) {
      this.#open.delete(path); // re-inserted below: the Map's order is least recently used first
    } else {
      const store = SqliteLeaseStore.openIn(dir);
      const opened = fileId(path) ?? { dev: -1, ino: -1 };
      entry = { store, dev: opened.dev, ino: opened.ino, borrowed: 0, stale: false };
      this.#evictIdle();
    }
    this.#open.set(path, entry);
    return this.#borrow(entry);
  }

  /**
   * Closes every database no call is using, and the others as their calls finish.
   *
   * @example
   * ```ts
   * connections.close();
   * ```
   */
  close(): void {
    for (const [path, entry] of [...this.#open]) this.#retire(path, entry);
  }

  #borrow(entry: Entry): ClosableLeaseStore {
    entry.borrowed++;
    let returned = false;
    const store: LeaseStore = entry.store;
    return {
      get: (key) => store.get(key),
      list: (prefix) => store.list(prefix),
      compareAndSet: (key, expected, next) => store.compareAndSet(key, expected, next),
      close: () => {
        if (returned) return;
        returned = true;
        entry.borrowed--;
        if (entry.stale && entry.borrowed === 0) entry.store.close();
      },
    };
  }

  #retire(path: string, entry: Entry): void {
    if (this.#open.get(path) === entry) this.#open.delete(path);
    entry.stale = true;
    if (entry.borrowed === 0) entry.store.close();
  }

  #evictIdle(): void {
    for (const [path, entry] of this.#open) {
      if (this.#open.size < MAX_OPEN) return;
      if (entry.borrowed === 0) this.#retire(path, entry);
    }
  }
}

function fileId(path: string): { dev: number; ino: number } | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}
