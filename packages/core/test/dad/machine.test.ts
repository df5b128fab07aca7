import { describe, expect, it } from "vitest";
import { ALL_NODES } from "../../src/dad/effects.js";
import { DadOptionsError } from "../../src/dad/errors.js";
import { initialDadState, reduceDad } from "../../src/dad/machine.js";
import { LINUX_DAD_OPTIONS, MAX_MULTICAST_SOLICIT, resolveDadOptions } from "../../src/dad/options.js";
import type { DadState } from "../../src/dad/state.js";
import { fc } from "../support/fc.js";
import { entropy, Harness, otherTarget, peer, target, unspecified } from "./helpers.js";

const nonce = (b: number) => new Uint8Array(6).fill(b);

describe("RFC 4862 §5.4 DAD", () => {
  it("dadTransmits 0 reports unique at once without sending", () => {
    const h = new Harness({ dadTransmits: 0 });
    h.start();
    expect(h.state.phase).toBe("preferred");
    expect(h.sent).toEqual([]);
    expect(h.reports).toEqual([{ type: "report", outcome: { status: "unique" } }]);
    expect(h.timer).toBeUndefined();
  });

  it("sends dadTransmits NS(DAD) retransTimerMs apart and reports unique retransTimerMs after the last", () => {
    const h = new Harness({ dadTransmits: 3, retransTimerMs: 700, maxDelayMs: 0 });
    const times: number[] = [];
    h.start();
    times.push(h.now);
    while (h.timer) {
      const effects = h.fire();
      if (effects.some((e) => e.type === "sendNs")) times.push(h.now);
      else expect(h.reports).toHaveLength(1);
    }
    expect(times).toEqual([0, 700, 1400]);
    expect(h.now).toBe(2100);
    expect(h.sent.every((s) => s.target.equals(target) && s.nonce === undefined)).toBe(true);
    expect(h.reports).toEqual([{ type: "report", outcome: { status: "unique" } }]);
    expect(h.state.phase).toBe("preferred");
  });

  it("waits a random initial delay in [0, maxDelayMs] drawn from the entropy", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (max, u) => {
        const h = new Harness({ maxDelayMs: max });
        const effects = h.start(u);
        // A zero draw probes at once; any other waits that long without probing.
        const probed = effects.some((e) => e.type === "sendNs");
        const delay = probed ? 0 : (h.timer?.delayMs ?? -1);
        expect(delay).toBeGreaterThanOrEqual(probed ? 0 : 1);
        expect(delay).toBeLessThanOrEqual(max);
        expect(delay).toBe(Math.floor((u / 2 ** 32) * (max + 1)));
      }),
      { numRuns: 2000 },
    );
    // Both ends of the range are reachable.
    expect(new Harness({ maxDelayMs: 1000 }).start(2 ** 32 - 1)).toContainEqual({
      type: "setTimer",
      id: 0,
      delayMs: 1000,
    });
    expect(new Harness({ maxDelayMs: 1000 }).start(0).some((e) => e.type === "sendNs")).toBe(true);
  });

  it("an NS(DAD) heard during the initial delay fails DAD", () => {
    const h = new Harness({ maxDelayMs: 1000 });
    h.start(2 ** 31);
    expect(h.state).toMatchObject({ phase: "tentative", stage: "delaying", sent: 0 });
    h.nsDad();
    expect(h.state.phase).toBe("duplicate");
    expect(h.reports[0]?.outcome).toMatchObject({ status: "duplicate" });
    expect(h.effects).toContainEqual({ type: "cancelTimer", id: 0 });
  });

  it("never answers an NS for a tentative address", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.option(fc.integer({ min: 0, max: 255 })), (dad, enhanced, n) => {
        const h = new Harness({ maxDelayMs: 0, enhanced, dadTransmits: 2 });
        h.start();
        const effects = h.send({
          type: "nsHeard",
          target,
          source: dad ? unspecified : peer,
          nonce: n === null ? undefined : nonce(n),
        });
        expect(effects.filter((e) => e.type === "answerNa")).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("ignores address resolution (unicast source) for a tentative target", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    const before = h.state;
    expect(h.send({ type: "nsHeard", target, source: peer })).toEqual([]);
    expect(h.state).toBe(before);
    h.finish();
    expect(h.state.phase).toBe("preferred");
  });

  it("a foreign NS(DAD) for the target fails DAD", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    h.nsDad();
    expect(h.state).toMatchObject({ phase: "duplicate", evidence: { kind: "ns", rule: "moreThanSent" } });
    expect(h.reports).toEqual([
      { type: "report", outcome: { status: "duplicate", evidence: expect.stringContaining("NS(DAD)") } },
    ]);
  });

  it("counts looped-back NS(DAD) against the ones sent", () => {
    // A link that hands each probe back once: hearing as many as we sent is loopback ...
    const h = new Harness({ maxDelayMs: 0, dadTransmits: 2, loopbackCopies: 1 });
    h.start();
    h.nsDad();
    h.fire();
    h.nsDad();
    expect(h.state).toMatchObject({ phase: "tentative", sent: 2, heard: 2 });
    // ... and one more than that is someone else.
    h.nsDad();
    expect(h.state).toMatchObject({ phase: "duplicate", evidence: { rule: "moreThanSent" } });
    // Before our first probe, even one is too many.
    const early = new Harness({ maxDelayMs: 1000, loopbackCopies: 1 });
    early.start(2 ** 31);
    early.nsDad();
    expect(early.state).toMatchObject({ phase: "duplicate", evidence: { rule: "beforeOurs" } });
  });

  it("an NA for the target fails DAD, whatever its source", () => {
    for (const source of [target, peer, undefined]) {
      const h = new Harness({ maxDelayMs: 0 });
      h.start();
      h.send({ type: "naHeard", target, source });
      expect(h.state).toMatchObject({ phase: "duplicate", evidence: { kind: "na", source } });
      expect(h.reports).toHaveLength(1);
    }
  });

  it("ignores NS and NA for other targets", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    const before = h.state;
    h.send({ type: "nsHeard", target: otherTarget, source: unspecified });
    h.send({ type: "naHeard", target: otherTarget, source: otherTarget });
    expect(h.state).toBe(before);
  });

  it("a preferred address defends: NA to ff02::1 with S=0 O=1 for NS(DAD), S=1 O=1 to the solicitor", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    h.finish();
    expect(h.nsDad(nonce(9))).toEqual([
      { type: "answerNa", target, destination: ALL_NODES, solicited: false, override: true },
    ]);
    expect(h.send({ type: "nsHeard", target, source: peer })).toEqual([
      { type: "answerNa", target, destination: peer, solicited: true, override: true },
    ]);
    expect(h.state.phase).toBe("preferred");
  });

  it("lifetimes move preferred to deprecated to invalid", () => {
    const h = new Harness({ maxDelayMs: 0, preferredLifetimeMs: 5000, validLifetimeMs: 9000 });
    h.start();
    h.finish();
    expect(h.state.phase).toBe("preferred");
    h.send({ type: "tick", now: 4999 });
    expect(h.state.phase).toBe("preferred");
    h.send({ type: "tick", now: 5000 });
    expect(h.state.phase).toBe("deprecated");
    h.send({ type: "tick", now: 9000 });
    expect(h.state.phase).toBe("invalid");
    // Infinity never runs out.
    const forever = new Harness({ maxDelayMs: 0 });
    forever.start();
    forever.finish();
    forever.send({ type: "tick", now: Number.MAX_SAFE_INTEGER });
    expect(forever.state.phase).toBe("preferred");
  });

  it("a valid lifetime that runs out during DAD reports inconclusive and invalidates", () => {
    const h = new Harness({ maxDelayMs: 0, dadTransmits: 3, validLifetimeMs: 1500 });
    h.start();
    h.send({ type: "tick", now: 1500 });
    expect(h.state.phase).toBe("invalid");
    expect(h.reports[0]?.outcome.status).toBe("inconclusive");
    expect(h.effects).toContainEqual({ type: "cancelTimer", id: 0 });
  });

  it("link down during DAD reports inconclusive; DAD started with the link down waits for link up", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    h.send({ type: "linkDown" });
    expect(h.state.phase).toBe("idle");
    expect(h.reports[0]?.outcome).toEqual({ status: "inconclusive", reason: "the link went down during DAD" });
    const w = new Harness({ maxDelayMs: 0 });
    w.send({ type: "linkDown" });
    w.start();
    expect(w.state).toMatchObject({ phase: "tentative", stage: "waitingForLink", timer: undefined });
    expect(w.sent).toEqual([]);
    w.send({ type: "linkUp", now: 50, entropy: entropy() });
    expect(w.sent).toHaveLength(1);
    w.finish();
    expect(w.state.phase).toBe("preferred");
  });

  it("carrier that returns after the valid lifetime invalidates the address without probing", () => {
    const h = new Harness({ maxDelayMs: 0, validLifetimeMs: 1 });
    h.send({ type: "linkDown" });
    h.start();
    h.send({ type: "linkUp", now: 1, entropy: entropy() });
    expect(h.state.phase).toBe("invalid");
    expect(h.sent).toEqual([]);
    expect(h.reports[0]?.outcome.status).toBe("inconclusive");
  });

  it("a send failure reports inconclusive", () => {
    const h = new Harness({ maxDelayMs: 0 });
    h.start();
    h.send({ type: "sendFailed", reason: "ENETDOWN" });
    expect(h.state.phase).toBe("idle");
    expect(h.reports[0]?.outcome).toEqual({ status: "inconclusive", reason: "sending an NS failed: ENETDOWN" });
  });

  it("stop cancels the live timer and reports inconclusive", () => {
    const h = new Harness({ maxDelayMs: 1000 });
    h.start(2 ** 31);
    const live = h.timer?.id;
    h.send({ type: "stop" });
    expect(h.effects).toContainEqual({ type: "cancelTimer", id: live });
    expect(h.reports[0]?.outcome).toEqual({ status: "inconclusive", reason: "DAD was stopped" });
    expect(h.state.phase).toBe("idle");
  });

  it("a verdict ends DAD in verdict mode; no verdict times out inconclusive", () => {
    const h = new Harness({ mode: "verdict", verdictTimeoutMs: 4000 });
    h.start();
    expect(h.sent).toEqual([]);
    expect(h.state).toMatchObject({ stage: "awaitingVerdict" });
    h.send({ type: "verdict", outcome: { status: "duplicate", evidence: "dadfailed" } });
    expect(h.state).toMatchObject({ phase: "duplicate", evidence: { kind: "verdict", detail: "dadfailed" } });
    const t = new Harness({ mode: "verdict", verdictTimeoutMs: 4000 });
    t.start();
    t.fire();
    expect(t.now).toBe(4000);
    expect(t.reports[0]?.outcome.status).toBe("inconclusive");
  });
});

describe("RFC 4429 §3 optimistic DAD", () => {
  it("optimistic: usable at start, before any probe", () => {
    const h = new Harness({ optimistic: true });
    const effects = h.start();
    expect(effects[0]).toEqual({ type: "usable", target });
    expect(h.state.phase).toBe("optimistic");
  });

  it("optimistic: no random delay by default", () => {
    expect(resolveDadOptions({ optimistic: true }).maxDelayMs).toBe(0);
    const h = new Harness({ optimistic: true });
    expect(h.start(2 ** 32 - 1).some((e) => e.type === "sendNs")).toBe(true);
  });

  it("optimistic: answers a unicast-sourced NS with O=0", () => {
    const h = new Harness({ optimistic: true });
    h.start();
    expect(h.send({ type: "nsHeard", target, source: peer })).toEqual([
      { type: "answerNa", target, destination: peer, solicited: true, override: false },
    ]);
    expect(h.state.phase).toBe("optimistic");
  });

  it("optimistic: an NS(DAD) fails it and is never answered", () => {
    const h = new Harness({ optimistic: true });
    h.start();
    const effects = h.nsDad();
    expect(effects.some((e) => e.type === "answerNa")).toBe(false);
    expect(h.state.phase).toBe("duplicate");
  });

  it("optimistic: an NA fails it", () => {
    const h = new Harness({ optimistic: true });
    h.start();
    h.send({ type: "naHeard", target, source: peer });
    expect(h.state.phase).toBe("duplicate");
  });

  it("optimistic: becomes preferred or deprecated by lifetime when DAD completes", () => {
    const p = new Harness({ optimistic: true, preferredLifetimeMs: 5000 });
    p.start();
    p.finish();
    expect(p.state.phase).toBe("preferred");
    const d = new Harness({ optimistic: true, preferredLifetimeMs: 500 });
    d.start();
    d.finish();
    expect(d.state.phase).toBe("deprecated");
  });
});

describe("RFC 7527 enhanced DAD", () => {
  it("enhanced: every probe carries a fresh nonce from the entropy", () => {
    const h = new Harness({ enhanced: true, dadTransmits: 3, maxDelayMs: 0 });
    h.start();
    h.finish();
    const nonces = h.sent.map((s) => s.nonce);
    expect(nonces).toEqual([nonce(1), nonce(2), nonce(3)]);
  });

  it("enhanced: a looped-back NS(DAD) with one of our nonces is dropped", () => {
    const h = new Harness({ enhanced: true, dadTransmits: 2, maxDelayMs: 0 });
    h.start();
    h.fire();
    h.nsDad(nonce(1));
    h.nsDad(nonce(2));
    expect(h.state).toMatchObject({ phase: "tentative", loopedBack: true });
    expect(h.reports).toEqual([]);
  });

  it("enhanced: an NS(DAD) whose nonce matches none of ours fails DAD", () => {
    const h = new Harness({ enhanced: true, maxDelayMs: 0 });
    h.start();
    h.nsDad(nonce(77));
    expect(h.state).toMatchObject({ phase: "duplicate", evidence: { rule: "foreignNonce" } });
  });

  it("enhanced: an NS(DAD) without a nonce fails DAD", () => {
    const h = new Harness({ enhanced: true, maxDelayMs: 0 });
    h.start();
    h.nsDad();
    expect(h.state).toMatchObject({ phase: "duplicate", evidence: { rule: "noNonce" } });
  });

  it("enhanced: a loopback earns MAX_MULTICAST_SOLICIT more probes, then probing stops", () => {
    const h = new Harness({ enhanced: true, dadTransmits: 1, maxDelayMs: 0 });
    h.start();
    h.nsDad(nonce(1));
    h.finish();
    expect(h.sent).toHaveLength(1 + MAX_MULTICAST_SOLICIT);
    expect(h.state.phase).toBe("preferred");
    // Without a loopback there is no re-probing.
    const quiet = new Harness({ enhanced: true, dadTransmits: 1, maxDelayMs: 0 });
    quiet.start();
    quiet.finish();
    expect(quiet.sent).toHaveLength(1);
    // Loopbacks during the extra round do not extend it again.
    const loud = new Harness({ enhanced: true, dadTransmits: 1, maxDelayMs: 0 });
    loud.start();
    for (let i = 0; i < 10 && loud.timer; i++) {
      const last = loud.sent.at(-1)?.nonce;
      if (last) loud.nsDad(last);
      loud.fire();
    }
    expect(loud.sent).toHaveLength(1 + MAX_MULTICAST_SOLICIT);
    expect(loud.state.phase).toBe("preferred");
  });

  it("enhanced: a preferred address does not answer a late copy of its own probe", () => {
    const h = new Harness({ enhanced: true, maxDelayMs: 0 });
    h.start();
    h.finish();
    expect(h.nsDad(nonce(1))).toEqual([]);
    expect(h.nsDad(nonce(5))).toHaveLength(1);
  });
});

describe("linux profile", () => {
  it("linux: one nonce for the whole run", () => {
    const h = new Harness({ profile: "linux", dadTransmits: 3, maxDelayMs: 0 });
    h.start();
    h.finish();
    expect(h.sent.map((s) => s.nonce)).toEqual([nonce(1), nonce(1), nonce(1)]);
  });

  it("linux: an NS(DAD) without our nonce fails DAD, with or without a nonce", () => {
    for (const n of [undefined, nonce(9)]) {
      const h = new Harness({ profile: "linux", maxDelayMs: 0 });
      h.start();
      h.nsDad(nonce(1));
      expect(h.state.phase).toBe("tentative");
      h.nsDad(n);
      expect(h.state.phase).toBe("duplicate");
    }
    // Without enhanced_dad the kernel sends no nonce and fails on any NS(DAD).
    const plain = new Harness({ profile: "linux", enhanced: false, maxDelayMs: 0, loopbackCopies: 1 });
    plain.start();
    expect(plain.sent[0]?.nonce).toBeUndefined();
    plain.nsDad();
    expect(plain.state.phase).toBe("duplicate");
  });

  it("linux: no random delay when optimistic, delay below maxDelayMs otherwise", () => {
    expect(resolveDadOptions({ profile: "linux", optimistic: true, maxDelayMs: 1000 }).maxDelayMs).toBe(0);
    const h = new Harness({ profile: "linux", maxDelayMs: 1000 });
    h.start(2 ** 32 - 1);
    expect(h.timer?.delayMs).toBe((2 ** 32 - 1) % 1000);
  });

  it("LINUX_DAD_OPTIONS are the kernel's default sysctls", () => {
    expect(resolveDadOptions(LINUX_DAD_OPTIONS)).toMatchObject({
      profile: "linux",
      enhanced: true,
      dadTransmits: 1,
      retransTimerMs: 1000,
      maxDelayMs: 1000,
      optimistic: false,
    });
  });

  it("linux: no loopback re-probing", () => {
    const h = new Harness({ profile: "linux", maxDelayMs: 0 });
    h.start();
    h.nsDad(nonce(1));
    h.finish();
    expect(h.sent).toHaveLength(1);
  });
});

describe("options", () => {
  it("rejects options no interface could have", () => {
    const bad = [
      { dadTransmits: -1 },
      { dadTransmits: 1.5 },
      { retransTimerMs: 0 },
      { maxDelayMs: Number.NaN },
      { preferredLifetimeMs: 10, validLifetimeMs: 5 },
      { validLifetimeMs: 0 },
      { profile: "bsd" as "rfc" },
      { mode: "guess" as "probe" },
    ];
    for (const options of bad) {
      expect(() => initialDadState(target, options)).toThrow(DadOptionsError);
    }
    try {
      resolveDadOptions({ retransTimerMs: 0 });
    } catch (e) {
      expect(e).toMatchObject({ code: "DAD_OPTIONS_INVALID", option: "retransTimerMs" });
    }
  });

  it("start is ignored unless idle, and a stopped machine can start again", () => {
    let state = initialDadState(target, { maxDelayMs: 0 }) as DadState;
    state = reduceDad(state, { type: "start", now: 0, entropy: entropy() }).state;
    const again = reduceDad(state, { type: "start", now: 5, entropy: entropy() });
    expect(again).toEqual({ state, effects: [] });
    state = reduceDad(state, { type: "stop" }).state;
    expect(reduceDad(state, { type: "start", now: 9, entropy: entropy() }).state.phase).toBe("tentative");
  });
});
