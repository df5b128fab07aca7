import { describe, expect, it } from "vitest";
import { format, main } from "./main.js";

describe("examples/embed-simulated", () => {
  it("allocates every container a unique address and catches every squatter with DAD", async () => {
    const summary = await main({ containers: 400, seed: 7, concurrency: 64 });
    expect(summary).toMatchObject({
      containers: 400,
      allocated: 400,
      failed: 0,
      unique: true,
      planted: 5,
      detected: 5,
    });
    expect(summary.duplicates).toBe(5);
    expect(summary.dadChecks).toBe(405); // one check per container, one more per conflict
    // Two containers moved to counter 1 and one past both its first choices to counter 2.
    expect(summary.byDadCounter).toEqual({ 0: 396, 1: 3, 2: 1 });
    expect(summary.nsSent).toBe(405);
    expect(summary.virtualSeconds).toBeGreaterThan(1); // DAD waits RetransTimer on the virtual clock
    const printed = format(summary);
    expect(printed).toContain("400 allocated, 0 failed, all unique");
    expect(printed).toContain("squatters detected on 5 of 5 addresses");
  });

  it("is deterministic for a seed", async () => {
    const [a, b] = await Promise.all([main({ containers: 50, seed: 3 }), main({ containers: 50, seed: 3 })]);
    expect(a).toEqual(b);
  });
});
