// One etcd client with own6's key prefix, deadlines and retry budget: what the lease store, the
// host lease and the prefix plan share. Internal.

import {
  Etcd3,
  EtcdLeaseInvalidError,
  type IRangeResponse,
  type ITxnRequest,
  type ITxnResponse,
  isRecoverableError,
} from "etcd3";
import { type EtcdConfig, type Settings, settingsOf } from "./config.js";
import { EtcdRequestError, EtcdUnavailableError } from "./errors.js";

// etcd's answers while a member dies or a new leader is elected; none of them means the request
// was refused on its merits, so the request is worth sending again (to another member).
const TRANSIENT =
  /etcdserver: (leader changed|no leader|request timed out|too many requests|server stopped|not capable)|required revision has been compacted/;
const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 1000;

/** A page of a range read; lists are read in pages so that no answer outgrows gRPC's 4 MiB. */
const PAGE = 1000;

/** An etcd connection under one key prefix. */
export class Connection {
  readonly settings: Settings;
  readonly client: Etcd3;

  private constructor(settings: Settings) {
    this.settings = settings;
    this.client = new Etcd3(settings.client);
  }

  static open(config: EtcdConfig): Connection {
    return new Connection(settingsOf(config));
  }

  /** The full etcd key of `path` under the configured prefix. */
  key(path: string): Buffer {
    return Buffer.from(`${this.settings.prefix}/${path}`);
  }

  /** `path` relative to the prefix, of a full key. */
  path(key: Buffer): string {
    return key.toString("utf8").slice(this.settings.prefix.length + 1);
  }

  /** Runs `op` until it succeeds, fails on its merits, or the retry budget is spent. */
  async retrying<T>(operation: string, op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.retryForMs;
    for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(2 * backoff, MAX_BACKOFF_MS)) {
      try {
        return await op();
      } catch (error) {
        // The store tells a lost lease apart itself.
        if (error instanceof EtcdLeaseInvalidError) throw error;
        if (!isTransient(error)) throw new EtcdRequestError(operation, error);
        if (Date.now() + backoff > deadline) throw new EtcdUnavailableError(operation, error);
        await sleep(backoff * (0.5 + Math.random()));
      }
    }
  }

  /** One transaction, sent again on transient failures (so it must be safe to repeat). */
  txn(operation: string, request: ITxnRequest): Promise<ITxnResponse> {
    return this.retrying(operation, () => this.client.kv.txn(request));
  }

  /** One key, read linearizably. */
  async get(operation: string, key: Buffer): Promise<IRangeResponse> {
    return this.retrying(operation, () => this.client.kv.range({ key }));
  }

  /** Every key starting with `prefix`, as of one revision, read in pages. */
  async range(operation: string, prefix: Buffer): Promise<{ kvs: IRangeResponse["kvs"]; revision: string }> {
    return this.retrying(operation, async () => {
      const end = rangeEnd(prefix);
      let page = await this.client.kv.range({ key: prefix, range_end: end, limit: PAGE });
      const revision = page.header.revision;
      const kvs = [...page.kvs];
      while (page.more) {
        const after = Buffer.concat([kvs[kvs.length - 1]?.key ?? prefix, Buffer.of(0)]);
        page = await this.client.kv.range({ key: after, range_end: end, limit: PAGE, revision });
        kvs.push(...page.kvs);
      }
      return { kvs, revision };
    });
  }

  close(): void {
    this.client.close();
  }
}

/** The end of the range of keys starting with `prefix`: the prefix with its last byte raised. */
export function rangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.of(0); // every key
}

/** A revision or lease id from etcd (int64 as text) as a number; own6's never leave safe range. */
export function safeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`etcd sent ${text}, beyond the safe integers`);
  return n;
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // cockatiel's BrokenCircuitError: every member's circuit is open for a few seconds.
  return isRecoverableError(error) || "isBrokenCircuitError" in error || TRANSIENT.test(error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
