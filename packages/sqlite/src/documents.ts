import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

// The highest code point: every key that starts with a prefix sorts below prefix + this.
const KEY_END = "\u{10ffff}";

/**
 * One stored document and its key.
 *
 * @example
 * ```ts
 * for (const { key, value }: StoredDocument of docs.list("pool/")) console.log(key, value);
 * ```
 */
export interface StoredDocument {
  readonly key: string;
  readonly value: unknown;
}

/**
 * A small table of JSON documents by key in a SQLite file, for an adapter's own bookkeeping
 * (the Docker plugin's pools, networks and endpoints) next to its leases. Every write is
 * durable when it returns (WAL journaling, full sync), so a process that restarts finds what
 * it acknowledged; the file is 0600 in a 0700 directory. Calls are synchronous: each is one
 * short SQLite statement.
 *
 * @example
 * ```ts
 * const docs = SqliteDocuments.open("/var/lib/own6/docker/state.db");
 * docs.put("network/abc", { mode: "routed" });
 * docs.list("network/"); // [{ key: "network/abc", value: { mode: "routed" } }]
 * ```
 */
export class SqliteDocuments {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], { value: string }>;
  readonly #put: Database.Statement<[string, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #list: Database.Statement<[string, string], { key: string; value: string }>;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare("SELECT value FROM documents WHERE key = ?");
    this.#put = db.prepare("INSERT OR REPLACE INTO documents (key, value) VALUES (?, ?)");
    this.#delete = db.prepare("DELETE FROM documents WHERE key = ?");
    this.#list = db.prepare("SELECT key, value FROM documents WHERE key >= ? AND key < ? ORDER BY key");
  }

  /**
   * Opens (creating if needed) the database at `path`, its directory made root-only (0700) and
   * the file 0600.
   *
   * @example
   * ```ts
   * const docs = SqliteDocuments.open(join(stateDir, "state.db"));
   * ```
   */
  static open(path: string): SqliteDocuments {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const db = new Database(path, { timeout: 10_000 });
    chmodSync(path, 0o600);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
    return new SqliteDocuments(db);
  }

  /**
   * The document under `key`, or undefined.
   *
   * @example
   * ```ts
   * docs.get("network/abc");
   * ```
   */
  get(key: string): unknown {
    const row = this.#get.get(key);
    return row && JSON.parse(row.value);
  }

  /**
   * Stores `value` (anything JSON can hold) under `key`, replacing what was there.
   *
   * @example
   * ```ts
   * docs.put("pool/p1", { prefix: "2001:db8:1::/64" });
   * ```
   */
  put(key: string, value: unknown): void {
    this.#put.run(key, JSON.stringify(value));
  }

  /**
   * Removes the document under `key`; returns whether there was one.
   *
   * @example
   * ```ts
   * docs.delete("pool/p1"); // true
   * ```
   */
  delete(key: string): boolean {
    return this.#delete.run(key).changes > 0;
  }

  /**
   * Every document whose key starts with `keyPrefix`, in key order.
   *
   * @example
   * ```ts
   * docs.list("endpoint/").length;
   * ```
   */
  list(keyPrefix = ""): StoredDocument[] {
    return this.#list
      .all(keyPrefix, keyPrefix + KEY_END)
      .map((row) => ({ key: row.key, value: JSON.parse(row.value) }));
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * docs.close();
   * ```
   */
  close(): void {
    this.#db.close();
  }
}
