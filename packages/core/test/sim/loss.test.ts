import { describe, expect, it } from "vitest";
import { Address } from "../../src/address.js";
import type { DadOptions } from "../../src/dad/options.js";
import { SimLink } from "../../src/sim/link.js";
import { fc } from "../support/fc.js";

// How often does DAD miss a real duplicate when the link loses packets? A squatter holds X and
// answers every probe; a newcomer runs DAD for X. Loss strikes each delivery independently, so a
// probe detects the squatter only if the NS and the NA both arrive: it misses with
// q = 1 - (1 - p)^2, and k probes all miss with q^k. With RFC 7527 on a link that reflects
// multicast, a probe that comes back earns 3 more probes, so the miss rate becomes
// q^k * (p^k + (1 - p^k) * q^3).

const X = Address.parse("2001:db8::1");
const TRIALS = 4000;
const LOSSES = [0, 0.1, 0.3, 0.5];

interface Column {
  readonly name: string;
  readonly options: DadOptions;
  readonly loopback: boolean;
  readonly expected: (p: number) => number;
}

const miss = (p: number) => 1 - (1 - p) ** 2;
const columns: readonly Column[] = [1, 3].flatMap((k) => [
  { name: `k=${k}`, options: { dadTransmits: k }, loopback: false, expected: (p: number) => miss(p) ** k },
  {
    name: `k=${k} enhanced+reflecting`,
    options: { dadTransmits: k, enhanced: true },
    loopback: true,
    expected: (p: number) => miss(p) ** k * (p ** k + (1 - p ** k) * miss(p) ** 3),
  },
]);

function undetectedRate(column: Column, loss: number, seed: number): number {
  let undetected = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const link = new SimLink({ seed: seed + trial, loss, loopback: column.loopback, minDelayMs: 1, maxDelayMs: 20 });
    link.addNode("squatter").squat(X);
    const newcomer = link.addNode("newcomer");
    newcomer.claim(X, column.options);
    link.clock.runUntilIdle();
    if (newcomer.phaseOf(X) === "preferred") undetected++;
  }
  return undetected / TRIALS;
}

/** Binomial standard error of a rate measured over TRIALS trials. */
const sigma = (rate: number) => Math.sqrt(Math.max(rate * (1 - rate), 0.0025) / TRIALS);

describe("DAD under loss", () => {
  it("undetected duplicates under loss: measured against the analytic rate", () => {
    const seed = fc.readConfigureGlobal().seed ?? 1;
    const rates = columns.map((c) => LOSSES.map((p) => undetectedRate(c, p, seed)));
    const header = `| loss | ${columns.map((c) => `${c.name} (model)`).join(" | ")} |`;
    const rows = LOSSES.map(
      (p, i) =>
        `| ${p * 100}% | ${columns.map((c, j) => `${(rates[j]?.[i] ?? 0).toFixed(3)} (${c.expected(p).toFixed(3)})`).join(" | ")} |`,
    );
    console.log(
      [
        `undetected duplicates, ${TRIALS} trials per cell, seed ${seed}`,
        header,
        `|---|${"---|".repeat(columns.length)}`,
        ...rows,
      ].join("\n"),
    );
    columns.forEach((column, j) => {
      const r = rates[j] ?? [];
      // A lossless link never misses a squatter that answers.
      expect(r[0]).toBe(0);
      LOSSES.forEach((p, i) => {
        // The model assumes only independent loss, which is what the link does.
        expect(Math.abs((r[i] ?? 0) - column.expected(p))).toBeLessThan(4.5 * sigma(column.expected(p)) + 0.005);
        // More loss never helps (up to sampling noise).
        if (i > 0) expect(r[i] ?? 0).toBeGreaterThanOrEqual((r[i - 1] ?? 0) - 3 * sigma(r[i] ?? 0));
      });
    });
    // More probes, and loopback re-probing, never make detection worse.
    LOSSES.forEach((_, i) => {
      const [k1, k1e, k3, k3e] = rates.map((r) => r[i] ?? 0);
      for (const [better, worse] of [
        [k3, k1],
        [k1e, k1],
        [k3e, k3],
      ] as const) {
        expect(better ?? 0).toBeLessThanOrEqual((worse ?? 0) + 3 * sigma(worse ?? 0));
      }
    });
  });
});
