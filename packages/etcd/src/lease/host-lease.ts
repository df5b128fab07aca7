import { randomInt } from "node:crypto";
import type { ILeaseKeepAliveResponse } from "etcd3";
import { type Connection, safeNumber } from "../connection.js";

/** What `hosts/<hostId>` holds: the lease the host writes its records under. */
interface HostRecord {
  readonly hostId: string;
  readonly leaseId: string;
  readonly ttlSeconds: number;
}

/**
 * A host's etcd lease: the store attaches every record it writes to it, and renews it every third
 * of its TTL while the host lives. When renewals stop (the host died, or lost etcd for longer than
 * the TTL), etcd deletes the records, and other hosts may take the addresses. The lease id is kept
 * under `hosts/<hostId>` (attached to the lease itself), so a restarted process of the same host
 * resumes the lease, and its records, when it comes back within the TTL.
 *
 * @example
 * ```ts
 * const store = await EtcdLeaseStore.open({ endpoints, lease: { ttlSeconds: 30, hostId: "node-7" } });
 * store.hostLease?.onLost(() => process.exit(75)); // the records are gone: start over
 * ```
 */
export class HostLease {
  /** The host's name. */
  readonly hostId: string;
  /** etcd's id of the lease (an int64, as text). */
  readonly id: string;
  readonly ttlSeconds: number;
  readonly #conn: Connection;
  readonly #listeners = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  #renewedAt: number;
  #state: "alive" | "lost" | "closed" = "alive";

  private constructor(conn: Connection, record: HostRecord) {
    this.#conn = conn;
    this.hostId = record.hostId;
    this.id = record.leaseId;
    this.ttlSeconds = record.ttlSeconds;
    this.#renewedAt = Date.now();
    // Renewals must not keep a process alive that has nothing else to do (a CNI plugin run).
    this.#timer = setInterval(() => void this.#renew(), (1000 * record.ttlSeconds) / 3).unref();
  }

  /**
   * Resumes `hostId`'s lease when etcd still has it (with the TTL it was granted), else grants
   * one of `ttlSeconds` and records it. Internal: {@link EtcdLeaseStore.open} calls it.
   *
   * @example
   * ```ts
   * const lease = await HostLease.acquire(conn, "node-7", 30);
   * ```
   */
  static async acquire(conn: Connection, hostId: string, ttlSeconds: number): Promise<HostLease> {
    const key = conn.key(`hosts/${hostId}`);
    for (;;) {
      const found = (await conn.get(`reading the lease of host ${hostId}`, key)).kvs[0];
      const record = found && (JSON.parse(found.value.toString("utf8")) as HostRecord);
      if (record && (await remainingSeconds(conn, record.leaseId)) > 0) {
        const lease = new HostLease(conn, record);
        await lease.#renew();
        return lease;
      }
      const granted = await grant(conn, ttlSeconds);
      const fresh: HostRecord = { hostId, leaseId: granted, ttlSeconds };
      const recorded = await conn.txn(`recording the lease of host ${hostId}`, {
        compare: [
          found
            ? { key, target: "Mod", result: "Equal", mod_revision: found.mod_revision }
            : { key, target: "Create", result: "Equal", create_revision: 0 },
        ],
        success: [{ request_put: { key, value: Buffer.from(JSON.stringify(fresh)), lease: granted } }],
      });
      if (recorded.succeeded) return new HostLease(conn, fresh);
      // Another process of this host recorded its lease first: use that one.
      await revoke(conn, granted);
    }
  }

  /**
   * Whether the lease ended: etcd said so, or no renewal got through for a whole TTL.
   *
   * @example
   * ```ts
   * if (store.hostLease?.lost) throw new Error("reservations expired");
   * ```
   */
  get lost(): boolean {
    return this.#state === "lost";
  }

  /**
   * Calls `listener` once when the lease is lost; returns a function that stops it.
   *
   * @example
   * ```ts
   * const stop = lease.onLost(() => console.error("host lease lost"));
   * ```
   */
  onLost(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops renewing without revoking: the records stay for the TTL, long enough for a restarted
   * process of the host to resume them.
   *
   * @example
   * ```ts
   * lease.close();
   * ```
   */
  close(): void {
    if (this.#state === "alive") this.#state = "closed";
    clearInterval(this.#timer);
  }

  /**
   * Revokes the lease: etcd deletes every record written under it at once (a host leaving the
   * cluster for good).
   *
   * @example
   * ```ts
   * await lease.revoke();
   * ```
   */
  async revoke(): Promise<void> {
    this.close();
    await revoke(this.#conn, this.id);
  }

  /**
   * Marks the lease lost and tells the listeners, once. Internal: the store calls it when etcd
   * refuses a write under the lease.
   *
   * @example
   * ```ts
   * lease.markLost();
   * ```
   */
  markLost(): void {
    if (this.#state === "lost") return;
    this.close();
    this.#state = "lost";
    for (const listener of this.#listeners) listener();
  }

  async #renew(): Promise<void> {
    try {
      const answer = await keepAliveOnce(this.#conn, this.id);
      if (this.#state !== "alive") return;
      if (safeNumber(answer.TTL) <= 0) this.markLost();
      else this.#renewedAt = Date.now();
    } catch {
      // Unreachable for now; the lease survives until its TTL runs out without a renewal.
      if (this.#state === "alive" && Date.now() - this.#renewedAt > 1000 * this.ttlSeconds) this.markLost();
    }
  }
}

/**
 * Grants a lease under an id of our choosing, below 2^48: etcd's own ids use all 63 bits, which
 * come back rounded wherever protobufjs runs without the `long` package (some bundlers and test
 * runners), and a rounded id names no lease.
 */
async function grant(conn: Connection, ttlSeconds: number): Promise<string> {
  for (;;) {
    const id = String(randomInt(1, 2 ** 48));
    const granted = await conn.retrying("granting a lease", async () => {
      try {
        await conn.client.leaseClient.leaseGrant({ ID: id, TTL: ttlSeconds });
        return true;
      } catch (error) {
        if (error instanceof Error && /lease already exists/.test(error.message)) return false;
        throw error;
      }
    });
    if (granted) return id;
  }
}

/** The seconds etcd gives the lease still; -1 when it does not know it. */
async function remainingSeconds(conn: Connection, id: string): Promise<number> {
  const answer = await conn.retrying("reading a lease", () => conn.client.leaseClient.leaseTimeToLive({ ID: id }));
  return safeNumber(answer.TTL);
}

async function revoke(conn: Connection, id: string): Promise<void> {
  await conn.retrying("revoking a lease", async () => {
    try {
      await conn.client.leaseClient.leaseRevoke({ ID: id });
    } catch (error) {
      // Already gone is what revoking wants.
      if (!(error instanceof Error && /lease not found/.test(error.message))) throw error;
    }
  });
}

/** One renewal on a keep-alive stream of its own, with the request deadline. */
async function keepAliveOnce(conn: Connection, id: string): Promise<ILeaseKeepAliveResponse> {
  const stream = await conn.client.leaseClient.leaseKeepAlive();
  try {
    return await new Promise<ILeaseKeepAliveResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("keep-alive timed out")), conn.settings.requestTimeoutMs);
      stream.on("data", (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      stream.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      stream.write({ ID: id });
    });
  } finally {
    stream.end();
  }
}
