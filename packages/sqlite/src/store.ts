import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CasResult, LeaseStore, LeaseStoreRecord, VersionedRecord } from "@own6/core";
import Database from "better-sqlite3";

interface Row {
  key: string;
  value: string;
  version: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT OR IGNORE INTO counter (id, version) VALUES (1, 0);
`;

// How long a process waits for another's write lock before giving up with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 30_000;

// The highest code point: every key that starts with a prefix sorts below prefix + this.
const KEY_END = "\u{10ffff}";

/**
 * A {@link LeaseStore} in a SQLite database file, shared safely by every process on the host:
 * each compare-and-set is one `BEGIN IMMEDIATE` transaction (so concurrent plugin processes
 * serialise on the write lock and a stale version always loses), WAL journaling makes a killed
 * process lose nothing that was acknowledged, and versions come from one store-wide counter, so
 * they never repeat for a key, also across a delete.
 *
 * @example
 * ```ts
 * const store = SqliteLeaseStore.open("/var/lib/own6/leases.db");
 * const allocator = await Allocator.open({ store, ... });
 * ```
 */
export class SqliteLeaseStore implements LeaseStore {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], Row>;
  readonly #list: Database.Statement<[string, string], Row>;
  readonly #cas: (key: string, expected: number | null, next: LeaseStoreRecord | null) => CasResult;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare("SELECT key, value, version FROM records WHERE key = ?");
    this.#list = db.prepare("SELECT key, value, version FROM records WHERE key >= ? AND key < ?");
    const bump = db.prepare("UPDATE counter SET version = version + 1 WHERE id = 1 RETURNING version");
    const put = db.prepare("INSERT OR REPLACE INTO records (key, value, version) VALUES (?, ?, ?)");
    const remove = db.prepare("DELETE FROM records WHERE key = ?");
    const cas = db.transaction((key: string, expected: number | null, next: LeaseStoreRecord | null): CasResult => {
      const row = this.#get.get(key);
      if ((row?.version ?? null) !== expected) return { ok: false, current: row && toRecord(row) };
      if (next === null) {
        remove.run(key);
        return { ok: true, version: null };
      }
      const { version } = bump.get() as { version: number };
      put.run(key, JSON.stringify(next), version);
      return { ok: true, version };
    });
    this.#cas = (key, expected, next) => cas.immediate(key, expected, next);
  }

  /**
   * Opens (creating if needed) the database at `path`, in a directory made root-only (0700),
   * with the file itself 0600.
   *
   * @example
   * ```ts
   * const store = SqliteLeaseStore.open(join(dataDir, "leases.db"));
   * ```
   */
  static open(path: string): SqliteLeaseStore {
    const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    chmodSync(path, 0o600);
    db.pragma("journal_mode = WAL");
    // NORMAL, not FULL: with WAL it syncs at checkpoints instead of on every commit, so a burst
    // of parallel ADDs does not queue behind one fsync each (CI saw a 10 s busy timeout run out).
    // A killed process still loses nothing it committed; a power cut may lose the last commits
    // but never consistency, and it takes the containers those leases were for with it.
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    return new SqliteLeaseStore(db);
  }

  /**
   * Opens `leases.db` inside `dir`, creating the directory root-only (0700) first.
   *
   * @example
   * ```ts
   * const store = SqliteLeaseStore.openIn("/var/lib/own6/mynet");
   * ```
   */
  static openIn(dir: string): SqliteLeaseStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    return SqliteLeaseStore.open(join(dir, "leases.db"));
  }

  /** {@inheritDoc @own6/core!LeaseStore.get} */
  async get(key: string): Promise<VersionedRecord | undefined> {
    const row = this.#get.get(key);
    return row && toRecord(row);
  }

  /** {@inheritDoc @own6/core!LeaseStore.list} */
  async list(keyPrefix: string): Promise<readonly VersionedRecord[]> {
    return this.#list.all(keyPrefix, keyPrefix + KEY_END).map(toRecord);
  }

  /** {@inheritDoc @own6/core!LeaseStore.compareAndSet} */
  async compareAndSet(key: string, expectedVersion: number | null, next: LeaseStoreRecord | null): Promise<CasResult> {
    return this.#cas(key, expectedVersion, next);
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.#db.close();
  }
}

function toRecord(row: Row): VersionedRecord {
  return { key: row.key, value: JSON.parse(row.value) as LeaseStoreRecord, version: row.version };
}
