import { setImmediate as turn } from "node:timers/promises";

/** What building something cost: its result, the time, and the memory it keeps. */
export interface Built<T> {
  readonly value: T;
  readonly ms: number;
  /** Heap plus ArrayBuffer bytes still held after a full GC; NaN without `--expose-gc`. */
  readonly bytes: number;
}

/**
 * Runs `build` and measures the time it takes and the memory its result keeps alive. Typed
 * arrays keep their data outside the V8 heap, so `arrayBuffers` counts along with `heapUsed`;
 * counting the heap alone would flatter any typed-array structure.
 */
export async function built<T>(build: () => T): Promise<Built<T>> {
  const before = await retained();
  const start = performance.now();
  const value = build();
  const ms = performance.now() - start;
  return { value, ms, bytes: (await retained()) - before };
}

/**
 * Heap plus ArrayBuffer bytes in use after full GCs; NaN without `--expose-gc`. V8 frees the
 * backing stores of dead ArrayBuffers after the GC, off the main thread, so this waits until
 * the figure stops moving; otherwise memory freed late would be subtracted from the next build.
 */
export async function retained(): Promise<number> {
  const gc = globalThis.gc;
  if (!gc) return Number.NaN;
  let last = Number.NaN;
  for (let round = 0; round < 20; round++) {
    gc();
    await turn();
    const usage = process.memoryUsage();
    const now = usage.heapUsed + usage.arrayBuffers;
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

/** Formats bytes per item, e.g. 47.3 B. */
export function perItem(bytes: number, items: number): string {
  return Number.isNaN(bytes) ? "n/a (run with --expose-gc)" : `${(bytes / items).toFixed(1)} B`;
}
