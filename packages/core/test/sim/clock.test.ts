import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/sim/clock.js";
import { SimError } from "../../src/sim/errors.js";
import { SeededRandom } from "../../src/sim/random.js";
import { fc } from "../support/fc.js";

describe("VirtualClock", () => {
  it("runs timers in time order, ties in the order they were set", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (delays) => {
        const clock = new VirtualClock();
        const ran: [number, number][] = [];
        for (const [i, d] of delays.entries()) clock.setTimer(d, () => ran.push([clock.now(), i]));
        expect(clock.runUntilIdle()).toBe(delays.length);
        const expected = delays.map((d, i) => [d, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("cancelled timers never run, and timers set by timers run too", () => {
    const clock = new VirtualClock(100);
    const ran: string[] = [];
    const a = clock.setTimer(5, () => ran.push("a"));
    clock.setTimer(5, () => {
      ran.push("b");
      clock.setTimer(0, () => ran.push(`c@${clock.now()}`));
    });
    a.cancel();
    a.cancel();
    expect(clock.pending).toBe(1);
    clock.runUntilIdle();
    expect(ran).toEqual(["b", "c@105"]);
  });

  it("runUntil stops at the given time and moves the clock there", () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    for (const d of [10, 20, 30]) clock.setTimer(d, () => ran.push(d));
    expect(clock.runUntil(20)).toBe(2);
    expect(clock.now()).toBe(20);
    expect(ran).toEqual([10, 20]);
    clock.runUntil(25);
    expect(clock.now()).toBe(25);
    expect(clock.pending).toBe(1);
  });

  it("refuses bad delays and stops a runaway", () => {
    const clock = new VirtualClock();
    for (const d of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.setTimer(d, () => {})).toThrow(SimError);
    }
    const again = () => clock.setTimer(1, again);
    again();
    expect(() => clock.runUntilIdle(50)).toThrow(expect.objectContaining({ code: "SIM_RUNAWAY" }));
    // Exactly maxSteps timers is not a runaway.
    const bounded = new VirtualClock();
    for (let i = 0; i < 5; i++) bounded.setTimer(i, () => {});
    expect(bounded.runUntilIdle(5)).toBe(5);
  });
});

describe("SeededRandom", () => {
  it("the same seed gives the same stream, and draws stay in range", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (seed, lo, span) => {
          const a = new SeededRandom(seed);
          const b = new SeededRandom(seed);
          expect(a.bytes(13)).toEqual(b.bytes(13));
          for (let i = 0; i < 20; i++) {
            const x = a.between(lo, lo + span);
            expect(x).toBe(b.between(lo, lo + span));
            expect(x).toBeGreaterThanOrEqual(lo);
            expect(x).toBeLessThanOrEqual(lo + span);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(new SeededRandom(1).bytes(8)).not.toEqual(new SeededRandom(2).bytes(8));
  });

  it("is roughly uniform (a chi-square sanity check over 16 buckets)", () => {
    const random = new SeededRandom(12345);
    const buckets = new Array<number>(16).fill(0);
    const n = 32_000;
    for (let i = 0; i < n; i++) {
      const k = random.between(0, 15);
      buckets[k] = (buckets[k] ?? 0) + 1;
    }
    const expected = n / 16;
    const chi2 = buckets.reduce((sum, b) => sum + (b - expected) ** 2 / expected, 0);
    // 15 degrees of freedom: P(chi2 > 37.7) = 0.001.
    expect(chi2).toBeLessThan(37.7);
  });
});
