// Random scenarios on the simulated link: nodes claiming shared addresses at random times, with
// squatters, rogue probes and address resolution, on a link whose delays stay below half a
// RetransTimer. That bound is what DAD's guarantee needs: a probe and the answer to it both
// arrive before the prober's last wait ends.

import { Address } from "../../src/address.js";
import { toHex } from "../../src/bytes.js";
import type { DadOptions } from "../../src/dad/options.js";
import { SimLink, type SimLinkOptions, type SimTransmission } from "../../src/sim/link.js";
import type { SimNode } from "../../src/sim/node.js";
import { fc } from "../support/fc.js";

export const RETRANS_MS = 1000;

export const TARGETS = [1, 2, 3].map((i) => Address.parse(`2001:db8::${i}`));

export interface Scenario {
  readonly seed: number;
  readonly nodes: number;
  readonly link: Omit<SimLinkOptions, "seed">;
  readonly claims: readonly { node: number; target: number; at: number; options: DadOptions }[];
  readonly squats: readonly { node: number; target: number }[];
  readonly rogues: readonly { node: number; target: number; at: number; nonce: Uint8Array | undefined }[];
  readonly resolves: readonly { node: number; target: number; at: number }[];
}

const linkArb = fc
  .record({
    minDelayMs: fc.integer({ min: 0, max: 50 }),
    spread: fc.integer({ min: 0, max: 150 }),
    duplicate: fc.constantFrom(0, 0, 0.1, 0.3),
    reorder: fc.constantFrom(0, 0.2, 0.5),
    reorderDelayMs: fc.integer({ min: 0, max: 200 }),
    loopback: fc.boolean(),
  })
  .map(({ spread, ...o }) => ({ ...o, maxDelayMs: o.minDelayMs + spread }));

const claimOptionsArb: fc.Arbitrary<DadOptions> = fc.record({
  profile: fc.constantFrom("rfc" as const, "linux" as const),
  enhanced: fc.boolean(),
  optimistic: fc.boolean(),
  dadTransmits: fc.integer({ min: 1, max: 3 }),
  maxDelayMs: fc.constantFrom(0, 0, 300, 1000),
  retransTimerMs: fc.constant(RETRANS_MS),
});

export function scenarioArb(maxNodes = 6): fc.Arbitrary<Scenario> {
  return fc.integer({ min: 2, max: maxNodes }).chain((nodes) => {
    const node = fc.integer({ min: 0, max: nodes - 1 });
    const target = fc.integer({ min: 0, max: TARGETS.length - 1 });
    const at = fc.integer({ min: 0, max: 4000 });
    return fc.record({
      seed: fc.integer(),
      nodes: fc.constant(nodes),
      link: linkArb,
      claims: fc.array(fc.record({ node, target, at, options: claimOptionsArb }), { minLength: 1, maxLength: 10 }),
      squats: fc.uniqueArray(fc.record({ node, target }), { maxLength: 2, selector: (s) => s.target }),
      rogues: fc.array(
        fc.record({
          node,
          target,
          at,
          nonce: fc.option(fc.uint8Array({ minLength: 6, maxLength: 6 }), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
      resolves: fc.array(fc.record({ node, target, at }), { maxLength: 4 }),
    });
  });
}

export interface Played {
  readonly link: SimLink;
  readonly nodes: readonly SimNode[];
  readonly transmissions: readonly (SimTransmission & { readonly rogue: boolean; readonly senderPhase: string })[];
}

/**
 * Plays `scenario` to the end. `check` sees every transmission as it happens (with the sender's
 * phase for the frame's source or target at that moment).
 */
export function play(scenario: Scenario, check?: (t: Played["transmissions"][number]) => void): Played {
  const link = new SimLink({ ...scenario.link, seed: scenario.seed });
  const nodes = Array.from({ length: scenario.nodes }, (_, i) => link.addNode(`n${i}`));
  const transmissions: Played["transmissions"][number][] = [];
  let rogue = false;
  let violation: unknown;
  link.observe((t) => {
    const about = t.frame.kind === "ns" && t.frame.source.kind !== "unspecified" ? t.frame.source : t.frame.target;
    const entry = { ...t, rogue, senderPhase: t.from.phaseOf(about) ?? "none" };
    transmissions.push(entry);
    // The driver turns a throwing probe into a failed send, so a violation is kept and rethrown.
    try {
      check?.(entry);
    } catch (e) {
      violation ??= e;
    }
  });
  const claimed = new Set<string>();
  for (const s of scenario.squats) {
    claimed.add(`${s.node}/${s.target}`);
    nodes[s.node]?.squat(TARGETS[s.target] as Address);
  }
  for (const c of scenario.claims) {
    const key = `${c.node}/${c.target}`;
    if (claimed.has(key)) continue;
    claimed.add(key);
    // Plain RFC counting must know whether the link hands our probes back.
    const options = { ...c.options, loopbackCopies: scenario.link.loopback ? 1 : 0 };
    link.clock.setTimer(c.at, () => nodes[c.node]?.claim(TARGETS[c.target] as Address, options));
  }
  for (const r of scenario.rogues) {
    link.clock.setTimer(r.at, () => {
      rogue = true;
      nodes[r.node]?.sendDadNs(TARGETS[r.target] as Address, r.nonce);
      rogue = false;
    });
  }
  for (const r of scenario.resolves) {
    link.clock.setTimer(r.at, () => nodes[r.node]?.resolve(TARGETS[r.target] as Address));
  }
  link.clock.runUntilIdle();
  if (violation !== undefined) throw violation;
  return { link, nodes, transmissions };
}

/** A compact, comparable trace of a played scenario. */
export function traceOf(played: Played): string[] {
  return played.transmissions.map(({ time, from, frame }) =>
    [
      time,
      from.name,
      frame.kind,
      frame.source,
      frame.destination,
      frame.target,
      frame.kind === "ns" && frame.nonce ? toHex(frame.nonce) : "-",
    ].join(" "),
  );
}
