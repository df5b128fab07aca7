import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Busy and total CPU ticks of the whole machine so far, from the first line of /proc/stat. */
function cpuTicks(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is idle (under `maxBusy` of its CPU over a quarter second), at most
 * `timeoutMs`. The kernel tears a deleted network namespace down in the background, seconds
 * after `ip netns delete` returns: a scenario timed right after the previous one's hundreds of
 * namespaces were deleted would pay for that teardown too. Returns the busy share it started at.
 */
export async function waitForIdleCpu(maxBusy = 0.1, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  let first: number | undefined;
  for (;;) {
    const before = cpuTicks();
    await sleep(250);
    const after = cpuTicks();
    const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    first ??= busy;
    if (busy <= maxBusy || Date.now() - started > timeoutMs) return first;
  }
}
