import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Allocator, type DadCheck, type LeaseStore, MemoryLeaseStore, Prefix } from "@own6/core";
import { EtcdLeaseStore } from "@own6/etcd";
import { SqliteLeaseStore } from "@own6/sqlite";
import { EtcdCluster } from "../packages/etcd/test/cluster.js";
import { printTable, rate } from "./lib/measure.js";

// Allocations per second through the whole Allocator (identifier derivation, four
// compare-and-sets per new lease; DAD answers at once) on the three stores, in the same run: the
// in-memory store, the host's SQLite database (fsync on every commit), and etcd (a three-member
// cluster on loopback, started here: Raft and fsync on every write). One allocation at a time
// shows the latency, 32 at once the throughput. The machines are shared and noisy: read the
// ratios, not the absolute rates.

const PREFIX = Prefix.parse("2001:db8:be::/64");
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
const UNIQUE: DadCheck = async () => ({ status: "unique" });

/** What {@link run} measures. */
export interface EtcdBenchOptions {
  /** Allocations per store and concurrency; default 2000. */
  readonly allocations?: number;
  /** Allocations at once in the concurrent runs; default 32. */
  readonly parallel?: number;
}

interface Measured {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

type Row = Record<string, string | number>;

/** Allocates `n` fresh owners, `parallel` at a time, timing each allocation. */
async function measure(store: LeaseStore, n: number, parallel: number, tag: string): Promise<Measured> {
  const allocator = await Allocator.open({ prefixes: [PREFIX], secret: SECRET, dad: UNIQUE, now: Date.now, store });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const t = performance.now();
      await allocator.allocate(`${tag}-${i}/eth0`);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { perSecond: n / seconds, p50: at(0.5), p99: at(0.99) };
}

/**
 * Runs the comparison and prints one row per store and concurrency, with each rate as a ratio
 * to the in-memory store's and to SQLite's at the same concurrency.
 *
 * @example
 * ```ts
 * await run({ allocations: 500 });
 * ```
 */
export async function run(options: EtcdBenchOptions = {}): Promise<Row[]> {
  const n = options.allocations ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), "own6-bench-etcd-"));
  const cluster = await EtcdCluster.start(3);
  const sqlite = SqliteLeaseStore.openIn(dir);
  const etcd = await EtcdLeaseStore.open({ endpoints: cluster.endpoints, prefix: "/own6-bench" });
  try {
    const stores: [string, LeaseStore][] = [
      ["memory", new MemoryLeaseStore()],
      ["sqlite", sqlite],
      ["etcd (3 members)", etcd],
    ];
    const rows: Row[] = [];
    for (const parallel of [1, options.parallel ?? 32]) {
      const results = new Map<string, Measured>();
      for (const [name, store] of stores) results.set(name, await measure(store, n, parallel, `${name}-${parallel}`));
      const baseline = (name: string) => results.get(name)?.perSecond ?? Number.NaN;
      for (const [name, m] of results) {
        rows.push({
          store: name,
          "at once": parallel,
          "allocations/s": rate(m.perSecond),
          "× memory": (m.perSecond / baseline("memory")).toPrecision(3),
          "× sqlite": (m.perSecond / baseline("sqlite")).toPrecision(3),
          "p50 ms": m.p50.toFixed(2),
          "p99 ms": m.p99.toFixed(2),
        });
      }
    }
    printTable(rows);
    return rows;
  } finally {
    etcd.close();
    sqlite.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
