import { Bench } from "tinybench";

/** One measured operation: `run` performs `batch` operations per call, to keep timer overhead out. */
export interface Case {
  readonly name: string;
  readonly batch: number;
  readonly run: () => void;
}

/** Operations per second of each case, measured in one tinybench run so they share conditions. */
export async function opsPerSecond(cases: readonly Case[], timeMs = 600, warmup = true): Promise<Map<string, number>> {
  const bench = new Bench({ time: timeMs, warmup });
  for (const c of cases) bench.add(c.name, c.run);
  await bench.run();
  const out = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    const batch = cases.find((c) => c.name === task.name)?.batch ?? 1;
    if (result.state !== "completed") throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    out.set(task.name, result.throughput.mean * batch);
  }
  return out;
}

/**
 * Operations per second of each case in `rounds` interleaved rounds, one rate per round. Every
 * round measures every case, in an order rotated from round to round, so a burst from a
 * neighbour on the shared machine falls on one round of all cases rather than on all of one
 * case's time; a ratio taken within each round and then its {@link median} leaves it out.
 */
export async function interleavedRates(
  cases: readonly Case[],
  rounds = 7,
  roundMs = 100,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length] as Case);
    const ops = await opsPerSecond(order, roundMs, round === 0);
    for (const [name, perSecond] of ops) out.get(name)?.push(perSecond);
  }
  return out;
}

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] ?? Number.NaN;
  return ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Formats a rate such as 1234567 as "1.23 M/s". */
export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

/** Prints rows as an aligned table. */
export function printTable(rows: readonly Record<string, string | number>[]): void {
  const first = rows[0];
  if (!first) return;
  const keys = Object.keys(first);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(keys));
  for (const row of rows) console.log(line(keys.map((k) => String(row[k]))));
}
