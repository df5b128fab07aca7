import { pathToFileURL } from "node:url";
import { Allocator, type IidAlgorithm, LeaseTable, TABLE_ADDRESS_TAKEN } from "../packages/core/src/alloc/index.js";
import type { DadCheck } from "../packages/core/src/dad/check.js";
import { Prefix } from "../packages/core/src/prefix.js";
import { built, perItem, retained } from "./lib/heap.js";
import { type Case, opsPerSecond, printTable, rate } from "./lib/measure.js";

// The lease table against the obvious alternative, a Map<string, Lease> keyed by address text
// plus one keyed by owner, in the same process: filling both with a million leases (the
// bookkeeping of an allocation without DAD or identifier derivation), lookups, churn, and the
// memory each keeps. Then the whole Allocator (identifier derivation, store compare-and-set,
// lease objects; DAD answers at once) with a cheap identifier and with rfc7217. Owners look like
// Docker short IDs plus the interface, 17 characters.

const BATCH = 1000;
const FOREVER = Number.POSITIVE_INFINITY;

/** What {@link run} measures; both default to the numbers the design targets. */
export interface AllocBenchOptions {
  /** Leases in the table and the baseline; default 1e6. */
  readonly leases?: number;
  /** Allocations through the whole Allocator, per identifier algorithm; default 1e5. */
  readonly allocations?: number;
}

interface BaselineLease {
  readonly owner: string;
  readonly prefixSlot: number;
  readonly iidHi: number;
  readonly iidLo: number;
  readonly dadCounter: number;
  readonly tag: number;
  readonly tentative: boolean;
  readonly preferredUntil: number;
  readonly validUntil: number;
}

/** The naive allocator state: leases by address text and by owner. */
interface Baseline {
  readonly byAddress: Map<string, BaselineLease>;
  readonly byOwner: Map<string, BaselineLease>;
}

// Identifiers and owners are pure functions of an index, so both structures see the same data
// and no input array sits in the memory being measured.
function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
const hiOf = (i: number) => mix(2 * i + 1);
const loOf = (i: number) => mix(2 * i + 2);
const ownerOf = (i: number) =>
  `${mix(i).toString(16).padStart(8, "0")}${(mix(i + 0x1000000) & 0xffff).toString(16).padStart(4, "0")}/eth0`;
const addressText = (hi: number, lo: number) => `0:${hi.toString(16)}:${lo.toString(16)}`;

function row(i: number) {
  return {
    owner: ownerOf(i),
    prefixSlot: 0,
    iidHi: hiOf(i),
    iidLo: loOf(i),
    dadCounter: 0,
    tag: 0,
    tentative: false,
    preferredUntil: FOREVER,
    validUntil: FOREVER,
  };
}

function tableAllocate(table: LeaseTable, i: number): void {
  if (table.insert(row(i)) === TABLE_ADDRESS_TAKEN) throw new Error(`identifier ${i} collided`);
}

function baselineAllocate(base: Baseline, i: number): void {
  const lease = row(i);
  const key = addressText(lease.iidHi, lease.iidLo);
  if (base.byOwner.has(lease.owner) || base.byAddress.has(key)) throw new Error(`lease ${i} collided`);
  base.byAddress.set(key, lease);
  base.byOwner.set(lease.owner, lease);
}

function fillTable(n: number): LeaseTable {
  const table = new LeaseTable();
  for (let i = 0; i < n; i++) tableAllocate(table, i);
  return table;
}

function fillBaseline(n: number): Baseline {
  const base: Baseline = { byAddress: new Map(), byOwner: new Map() };
  for (let i = 0; i < n; i++) baselineAllocate(base, i);
  return base;
}

/**
 * Lookup and churn cases for both structures. Each lookup picks a random lease of the whole
 * table (no cache-warm subset) and must find it, and each owner arrives as a fresh string, as
 * from a request, so the Map cannot reuse a hash cached in the string.
 */
function steadyCases(table: LeaseTable, base: Baseline, n: number): Case[] {
  const parts = Array.from({ length: 1 << 16 }, (_, k) => {
    const i = mix(k + 77) % n;
    const owner = ownerOf(i);
    return { i, head: owner.slice(0, 6), tail: owner.slice(6) };
  });
  let cursor = 0;
  const each = (visit: (i: number, owner: () => string) => boolean) => () => {
    for (let k = 0; k < BATCH; k++) {
      const p = parts[cursor++ & 0xffff] ?? { i: 0, head: "", tail: "" };
      if (!visit(p.i, () => p.head + p.tail)) throw new Error(`lease ${p.i} not found`);
    }
  };
  // Churn keeps the population constant: release the oldest lease, allocate a new one.
  const churn = (release: (i: number) => void, allocate: (i: number) => void) => {
    const live = { oldest: 0, next: n };
    return () => {
      for (let k = 0; k < BATCH; k++) {
        release(live.oldest++);
        allocate(live.next++);
      }
    };
  };
  const baseRelease = (i: number) => {
    const lease = base.byOwner.get(ownerOf(i));
    if (!lease) throw new Error(`lease ${i} is missing`);
    base.byOwner.delete(lease.owner);
    base.byAddress.delete(addressText(lease.iidHi, lease.iidLo));
  };
  return [
    { name: "ours: lookup by address", batch: BATCH, run: each((i) => table.findAddress(0, hiOf(i), loOf(i)) >= 0) },
    {
      name: "base: lookup by address",
      batch: BATCH,
      run: each((i) => base.byAddress.has(addressText(hiOf(i), loOf(i)))),
    },
    { name: "ours: lookup by owner", batch: BATCH, run: each((_, owner) => table.findOwner(owner(), 0) >= 0) },
    { name: "base: lookup by owner", batch: BATCH, run: each((_, owner) => base.byOwner.has(owner())) },
    {
      name: "ours: release + allocate",
      batch: BATCH,
      run: churn(
        (i) => table.remove(table.findOwner(ownerOf(i), 0)),
        (i) => tableAllocate(table, i),
      ),
    },
    {
      name: "base: release + allocate",
      batch: BATCH,
      run: churn(baseRelease, (i) => baselineAllocate(base, i)),
    },
  ];
}

/** A cheap identifier: FNV-1a of the owner and the counter, for the allocator without HMAC. */
const cheapIid: IidAlgorithm = {
  name: "fnv-bench",
  derive: (r) => {
    let a = 0x811c9dc5 ^ r.dadCounter;
    let b = 0x01000193 ^ r.dadCounter;
    for (let i = 0; i < r.owner.length; i++) {
      a = Math.imul(a ^ r.owner.charCodeAt(i), 0x01000193);
      b = Math.imul(b ^ r.owner.charCodeAt(i), 0x85ebca6b);
    }
    const iid = Uint8Array.of(a >>> 24, a >>> 16, a >>> 8, a, b >>> 24, b >>> 16, b >>> 8, b | 1);
    return { iid, dadCounter: r.dadCounter, address: r.prefix.withIid(iid) };
  },
};

const unique: DadCheck = async () => ({ status: "unique" });

async function allocatorRate(algorithm: string, n: number): Promise<{ perSecond: number; bytes: number }> {
  const allocator = await Allocator.open({
    prefixes: [Prefix.parse("2001:db8:1::/64")],
    secret: Uint8Array.from({ length: 32 }, (_, i) => i),
    algorithms: [cheapIid],
    algorithm,
    dad: unique,
    now: () => 0,
  });
  for (let i = 0; i < 2000; i++) await allocator.allocate(`warm-${i}`); // let the JIT settle
  const before = await retained();
  const start = performance.now();
  for (let i = 0; i < n; i++) await allocator.allocate(ownerOf(i));
  const ms = performance.now() - start;
  const bytes = (await retained()) - before;
  // Using the allocator after the measurement keeps it alive through it.
  if (allocator.size !== n + 2000) throw new Error(`expected ${n + 2000} leases, not ${allocator.size}`);
  return { perSecond: (n / ms) * 1000, bytes };
}

const ratio = (ours: number, base: number) => `${(ours / base).toFixed(2)}x`;
type Row = Record<string, string | number>;

/** The table against the baseline; both are garbage once this returns. */
async function tableRows(n: number): Promise<Row[]> {
  fillTable(Math.min(n, 1e5)); // warm both paths up before the timed fills
  fillBaseline(Math.min(n, 1e5));
  const ours = await built(() => fillTable(n));
  const base = await built(() => fillBaseline(n));
  const fill = [ours, base].map((b) => (n / b.ms) * 1000);
  // Lookups first, churn after: tinybench warms every task of a run up before measuring any,
  // and churn releases leases the lookups expect.
  const cases = steadyCases(ours.value, base.value, n);
  const lookups = await opsPerSecond(cases.filter((c) => c.name.includes("lookup")));
  const churned = await opsPerSecond(cases.filter((c) => !c.name.includes("lookup")));
  const steady = new Map([...lookups, ...churned]);
  const rows: Row[] = [
    {
      operation: `allocate ${n} leases (table bookkeeping, no DAD, IIDs given)`,
      ours: rate(fill[0] ?? 0),
      "Map<string, Lease>": rate(fill[1] ?? 0),
      "ours ÷ baseline": ratio(fill[0] ?? 0, fill[1] ?? 1),
    },
  ];
  for (const op of ["lookup by address", "lookup by owner", "release + allocate"]) {
    const o = steady.get(`ours: ${op}`) ?? 0;
    const b = steady.get(`base: ${op}`) ?? 1;
    rows.push({
      operation: `${op} (at ${n})`,
      ours: rate(o),
      "Map<string, Lease>": rate(b),
      "ours ÷ baseline": ratio(o, b),
    });
  }
  rows.push({
    operation: `memory per lease at ${n} (heap + ArrayBuffers)`,
    ours: perItem(ours.bytes, n),
    "Map<string, Lease>": perItem(base.bytes, n),
    "ours ÷ baseline": Number.isNaN(ours.bytes) ? "n/a" : ratio(ours.bytes, base.bytes),
  });
  return rows;
}

/** The whole Allocator, which has no baseline of its own: its rate and its memory, store included. */
async function allocatorRows(m: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [label, algorithm] of [
    ["cheap IID", "fnv-bench"],
    ["rfc7217", "rfc7217"],
  ] as const) {
    const r = await allocatorRate(algorithm, m);
    rows.push({
      operation: `Allocator.allocate x${m}, ${label}, instant DAD, MemoryLeaseStore`,
      ours: rate(r.perSecond),
      "Map<string, Lease>": `${perItem(r.bytes, m)}/lease incl. store`,
      "ours ÷ baseline": "-",
    });
  }
  return rows;
}

/**
 * Runs the allocation benchmark, prints a table and returns its rows. Without `--expose-gc` the
 * memory cells read n/a.
 *
 * @example
 * ```ts
 * const rows = await run({ leases: 1e5 }); // a quick run
 * ```
 */
export async function run(options: AllocBenchOptions = {}): Promise<Row[]> {
  const rows = [...(await tableRows(options.leases ?? 1e6)), ...(await allocatorRows(options.allocations ?? 1e5))];
  printTable(rows);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
