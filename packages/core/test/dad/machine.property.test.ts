import { describe, expect, it } from "vitest";
import type { Address } from "../../src/address.js";
import type { DadOutcome } from "../../src/dad/check.js";
import type { DadEffect } from "../../src/dad/effects.js";
import { ALL_NODES } from "../../src/dad/effects.js";
import type { DadEvent } from "../../src/dad/events.js";
import { initialDadState, reduceDad } from "../../src/dad/machine.js";
import { type DadOptions, MAX_MULTICAST_SOLICIT } from "../../src/dad/options.js";
import { type DadPhase, type DadState, isDadRunning } from "../../src/dad/state.js";
import { fc } from "../support/fc.js";
import { entropy, otherTarget, peer, target, unspecified } from "./helpers.js";

const PHASES: readonly DadPhase[] = [
  "idle",
  "tentative",
  "optimistic",
  "preferred",
  "deprecated",
  "duplicate",
  "invalid",
];

// A small entropy pool, so that heard nonces often collide with the ones the machine sent.
const POOL = [entropy(1, 0), entropy(2, 2 ** 31), entropy(3, 2 ** 32 - 1)];
const entropyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
);
const nonceArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(...POOL.map((e) => e.slice(0, 6))),
  fc.uint8Array({ minLength: 0, maxLength: 8 }),
);
const nowArb = fc.integer({ min: 0, max: 60_000 });

const optionsArb: fc.Arbitrary<DadOptions> = fc
  .record({
    profile: fc.constantFrom("rfc" as const, "linux" as const),
    dadTransmits: fc.integer({ min: 0, max: 4 }),
    retransTimerMs: fc.integer({ min: 1, max: 2000 }),
    maxDelayMs: fc.integer({ min: 0, max: 2000 }),
    optimistic: fc.boolean(),
    enhanced: fc.boolean(),
    loopbackCopies: fc.integer({ min: 0, max: 2 }),
    mode: fc.constantFrom("probe" as const, "probe" as const, "verdict" as const),
    valid: fc.option(fc.integer({ min: 1, max: 30_000 }), { nil: undefined }),
    preferredShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ valid, preferredShare, ...rest }) =>
    valid === undefined
      ? rest
      : { ...rest, validLifetimeMs: valid, preferredLifetimeMs: Math.floor(valid * preferredShare) },
  );

const outcomeArb: fc.Arbitrary<DadOutcome> = fc.oneof(
  fc.constant({ status: "unique" as const }),
  fc.constant({ status: "duplicate" as const, evidence: "kernel: dadfailed" }),
  fc.constant({ status: "inconclusive" as const, reason: "kernel: gone" }),
);
const addressArb = fc.constantFrom<Address>(target, target, otherTarget);

// "fireLive" stands for "the live timer fires": generated ids would rarely hit it.
type Step = DadEvent | { readonly type: "fireLive"; readonly now: number; readonly entropy: Uint8Array };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant("start" as const), now: nowArb, entropy: entropyArb }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constant("fireLive" as const), now: nowArb, entropy: entropyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("timerFired" as const),
      id: fc.integer({ min: -1, max: 12 }),
      now: nowArb,
      entropy: entropyArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("nsHeard" as const),
      target: addressArb,
      source: fc.constantFrom(unspecified, unspecified, peer, ALL_NODES),
      nonce: nonceArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("naHeard" as const),
      target: addressArb,
      source: fc.constantFrom(undefined, peer, target),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("sendFailed" as const), reason: fc.constant("EIO") }) },
  { weight: 1, arbitrary: fc.constant({ type: "linkDown" as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("linkUp" as const), now: nowArb, entropy: entropyArb }) },
  { weight: 1, arbitrary: fc.constant({ type: "stop" as const }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("tick" as const), now: nowArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("verdict" as const), outcome: outcomeArb }) },
);

function eventOf(step: Step, state: DadState): DadEvent {
  if (step.type !== "fireLive") return step;
  const id = isDadRunning(state) && state.timer !== undefined ? state.timer : state.nextTimerId;
  return { type: "timerFired", id, now: step.now, entropy: step.entropy };
}

/** Field sets per phase: a state never carries another phase's fields (preferred AND duplicate). */
function checkShape(s: DadState): void {
  expect(PHASES).toContain(s.phase);
  expect("evidence" in s).toBe(s.phase === "duplicate");
  expect("stage" in s).toBe(isDadRunning(s));
  expect("validUntil" in s).toBe(isDadRunning(s) || s.phase === "preferred" || s.phase === "deprecated");
}

function checkState(s: DadState): void {
  checkShape(s);
  const o = s.options;
  if (isDadRunning(s)) {
    expect(s.phase === "optimistic").toBe(o.optimistic);
    expect(s.sent).toBeLessThanOrEqual(s.planned);
    expect(s.planned).toBeLessThanOrEqual(o.dadTransmits + MAX_MULTICAST_SOLICIT);
    expect(s.timer === undefined).toBe(s.stage === "waitingForLink");
    if (s.stage === "waitingForLink") expect(s.linkUp).toBe(false);
    if (s.timer !== undefined) expect(s.timer).toBeLessThan(s.nextTimerId);
    if (s.stage !== "probing") expect(s.sent).toBe(0);
    if (o.mode === "verdict") expect(s.stage === "awaitingVerdict" || s.stage === "waitingForLink").toBe(true);
    if (!o.enhanced) expect(s.nonces).toEqual([]);
    else if (o.profile === "linux")
      expect(s.nonces.length).toBe(s.stage === "probing" || s.stage === "delaying" ? 1 : 0);
    else expect(s.nonces.length).toBe(s.sent);
    expect(s.now).toBeLessThan(s.validUntil);
  }
  if (s.phase === "preferred" || s.phase === "deprecated") {
    expect(s.now).toBeLessThan(s.validUntil);
    expect(s.phase === "preferred").toBe(s.now < s.preferredUntil);
  }
}

const reportPhase: Record<DadOutcome["status"], readonly DadPhase[]> = {
  unique: ["preferred", "deprecated"],
  duplicate: ["duplicate"],
  inconclusive: ["idle", "invalid"],
};

function checkTransition(prev: DadState, event: DadEvent, next: DadState, effects: readonly DadEffect[]): void {
  const ran = isDadRunning(prev);
  const reports = effects.filter((e) => e.type === "report");
  const ended = ran && !isDadRunning(next);
  const instant = prev.phase === "idle" && (next.phase === "preferred" || next.phase === "deprecated");
  expect(reports.length).toBe(ended || instant ? 1 : 0);
  for (const r of reports) if (r.type === "report") expect(reportPhase[r.outcome.status]).toContain(next.phase);
  if (prev.phase === "duplicate" || prev.phase === "invalid") expect(next.phase).toBe(prev.phase);
  if (next.phase === "preferred" && !["preferred", "tentative", "optimistic", "idle"].includes(prev.phase)) {
    throw new Error(`${prev.phase} -> preferred`);
  }
  const timers = effects.filter((e) => e.type === "setTimer");
  expect(timers.length).toBeLessThanOrEqual(1);
  for (const effect of effects) {
    switch (effect.type) {
      case "answerNa":
        // Never for a tentative address; an optimistic one only answers unicast NS, with O=0.
        expect(["optimistic", "preferred", "deprecated"]).toContain(prev.phase);
        expect(event.type).toBe("nsHeard");
        if (prev.phase === "optimistic") {
          expect(effect).toMatchObject({ solicited: true, override: false });
          expect(event.type === "nsHeard" && event.source.equals(unspecified)).toBe(false);
        }
        break;
      case "sendNs":
        expect(isDadRunning(next)).toBe(true);
        expect(next.options.mode).toBe("probe");
        expect(effect.nonce !== undefined).toBe(next.options.enhanced);
        break;
      case "setTimer":
        expect(effect.id).toBe(prev.nextTimerId);
        expect(isDadRunning(next) && next.timer).toBe(effect.id);
        break;
      case "cancelTimer":
        expect(ran && prev.timer).toBe(effect.id);
        break;
      case "usable":
        expect(event.type === "start" && next.phase === "optimistic").toBe(true);
        break;
      case "report":
        break;
    }
  }
}

describe("DAD reducer properties", () => {
  it("reducer safety: arbitrary events never throw, never yield an impossible state, never leak a timer", () => {
    fc.assert(
      fc.property(optionsArb, fc.array(stepArb, { maxLength: 40 }), (options, steps) => {
        let state = initialDadState(target, options) as DadState;
        const live = new Set<number>();
        for (const step of steps) {
          const event = eventOf(step, state);
          const { state: next, effects } = reduceDad(state, event);
          checkTransition(state, event, next, effects);
          checkState(next);
          if (event.type === "timerFired" && isDadRunning(state) && state.timer === event.id) live.delete(event.id);
          for (const e of effects) {
            if (e.type === "setTimer") live.add(e.id);
            if (e.type === "cancelTimer") live.delete(e.id);
          }
          const expected = isDadRunning(next) && next.timer !== undefined ? [next.timer] : [];
          expect([...live]).toEqual(expected);
          state = next;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("stale timers are ignored", () => {
    fc.assert(
      fc.property(optionsArb, fc.array(stepArb, { maxLength: 30 }), fc.nat(20), (options, steps, pick) => {
        let state = initialDadState(target, options) as DadState;
        for (const step of steps) {
          state = reduceDad(state, eventOf(step, state)).state;
          const live = isDadRunning(state) ? state.timer : undefined;
          const stale = [...Array(state.nextTimerId + 3).keys()].filter((id) => id !== live);
          const id = stale[pick % stale.length] ?? -1;
          const after = reduceDad(state, { type: "timerFired", id, now: 99_999, entropy: POOL[0] ?? entropy() });
          expect(after.state).toBe(state);
          expect(after.effects).toEqual([]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// Probe-mode options under which our own copies can be recognised: a nonce, or counting with
// the link's loopback copies known.
const recognisableArb: fc.Arbitrary<DadOptions> = fc.oneof(
  fc.record({
    profile: fc.constantFrom("rfc" as const, "linux" as const),
    enhanced: fc.constant(true),
    dadTransmits: fc.integer({ min: 1, max: 4 }),
    optimistic: fc.boolean(),
    maxDelayMs: fc.integer({ min: 0, max: 1000 }),
  }),
  fc.record({
    profile: fc.constant("rfc" as const),
    enhanced: fc.constant(false),
    loopbackCopies: fc.integer({ min: 1, max: 2 }),
    dadTransmits: fc.integer({ min: 1, max: 4 }),
    optimistic: fc.boolean(),
    maxDelayMs: fc.integer({ min: 0, max: 1000 }),
  }),
);

/**
 * Drives one DAD run to its end, delivering looped-back copies of our probes (as many as the
 * options say the link returns, 1 or 2 for nonce-carrying ones) at the points `schedule` chooses
 * (0: deliver a copy, 1: a noise event, 2: fire the live timer), with `noise` events that must not
 * matter.
 */
function runWithLoopback(options: DadOptions, schedule: readonly number[], noise: readonly DadEvent[]) {
  let state = initialDadState(target, options) as DadState;
  let now = 0;
  const pending: DadEvent[] = [];
  const phases: DadPhase[] = [];
  let turn = 0;
  const apply = (event: DadEvent) => {
    const { state: next, effects } = reduceDad(state, event);
    state = next;
    phases.push(next.phase);
    for (const e of effects) {
      if (e.type !== "sendNs") continue;
      const copies = options.enhanced ? 1 + ((schedule[turn] ?? 0) % 2) : (options.loopbackCopies ?? 0);
      for (let c = 0; c < copies; c++) pending.push({ type: "nsHeard", target, source: unspecified, nonce: e.nonce });
    }
  };
  apply({ type: "start", now, entropy: entropy(1, 2 ** 30) });
  for (let guard = 0; isDadRunning(state) && guard < 200; guard++) {
    // Once the schedule is used up, only timers fire, so every run ends.
    const choice = (schedule[turn++] ?? 2) % 3;
    const copy = pending.shift();
    if (choice === 0 && copy) apply(copy);
    else {
      if (copy) pending.unshift(copy);
      const noiseEvent = noise[turn % noise.length];
      if (choice === 1 && noiseEvent) apply(noiseEvent);
      else if (isDadRunning(state) && state.timer !== undefined) {
        now += 1000;
        apply({ type: "timerFired", id: state.timer, now, entropy: entropy(10 + turn, 0) });
      }
    }
  }
  return { state, phases };
}

const noiseArb: fc.Arbitrary<DadEvent> = fc.oneof(
  fc.constant<DadEvent>({ type: "nsHeard", target: otherTarget, source: unspecified }),
  fc.constant<DadEvent>({ type: "naHeard", target: otherTarget, source: otherTarget }),
  fc.constant<DadEvent>({ type: "nsHeard", target, source: peer }),
  fc.constant<DadEvent>({ type: "tick", now: 0 }),
);

describe("loopback and foreign probes", () => {
  it("own looped-back NS never fails DAD", () => {
    fc.assert(
      fc.property(
        recognisableArb,
        fc.array(fc.nat(5), { maxLength: 60 }),
        fc.array(noiseArb, { maxLength: 5 }),
        (options, schedule, noise) => {
          const { state, phases } = runWithLoopback(options, schedule, noise);
          expect(phases).not.toContain("duplicate");
          expect(state.phase).toBe("preferred");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a foreign NS(DAD) or an NA always fails DAD while tentative or optimistic", () => {
    const foreignArb = fc.oneof(
      fc.constant<DadEvent>({ type: "nsHeard", target, source: unspecified }),
      fc.constant<DadEvent>({ type: "nsHeard", target, source: unspecified, nonce: new Uint8Array(6).fill(0xee) }),
      fc.constant<DadEvent>({ type: "naHeard", target, source: peer }),
      fc.constant<DadEvent>({ type: "naHeard", target }),
    );
    fc.assert(
      fc.property(recognisableArb, fc.nat(6), foreignArb, (options, firedBefore, foreign) => {
        // Our own copies come back at once, so the counting rule has no slack left to hide a foreigner.
        let state = initialDadState(target, options) as DadState;
        const feed = (event: DadEvent) => {
          const { state: next, effects } = reduceDad(state, event);
          state = next;
          for (const e of effects) {
            if (e.type !== "sendNs") continue;
            const copies = options.enhanced ? 1 : (options.loopbackCopies ?? 0);
            for (let c = 0; c < copies; c++) feed({ type: "nsHeard", target, source: unspecified, nonce: e.nonce });
          }
        };
        feed({ type: "start", now: 0, entropy: entropy(1, 2 ** 31) });
        for (let i = 0; i < firedBefore && isDadRunning(state) && state.timer !== undefined; i++) {
          if (state.stage === "probing" && state.sent === state.planned) break;
          feed({ type: "timerFired", id: state.timer, now: 1000 * (i + 1), entropy: entropy(2 + i, 0) });
        }
        expect(["tentative", "optimistic"]).toContain(state.phase);
        feed(foreign);
        expect(state.phase).toBe("duplicate");
      }),
      { numRuns: 2000 },
    );
  });
});
