import { Bench } from "tinybench";

/** One measured operation: `run` performs `batch` operations per call, to keep timer overhead out. */
export interface Case {
  readonly name: string;
  readonly batch: number;
  readonly run: () => void;
}

/** Operations per second of each case, measured in one tinybench run so they share conditions. */
export async function opsPerSecond(cases: readonly Case[], timeMs = 600): Promise<Map<string, number>> {
  const bench = new Bench({ time: timeMs, warmup: true });
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
