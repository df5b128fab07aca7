import { describe, expect, it } from "vitest";
import type { Address } from "../../src/address.js";
import type { DadOutcome } from "../../src/dad/check.js";
import { createDadCheck, startDad } from "../../src/dad/driver.js";
import type { DadAnswerNa } from "../../src/dad/effects.js";
import { DadOptionsError } from "../../src/dad/errors.js";
import type { DadProbe, DadSignal, VerdictProbe } from "../../src/dad/probe.js";
import { VirtualClock } from "../../src/sim/clock.js";
import { SeededRandom } from "../../src/sim/random.js";
import { peer, target, unspecified } from "./helpers.js";

/** A probe on a link of its own: it records what is sent and lets the test speak for the link. */
class FakeProbe implements DadProbe {
  readonly sentNs: { target: Address; nonce: Uint8Array | undefined; at: number }[] = [];
  readonly sentNa: DadAnswerNa[] = [];
  listener: ((signal: DadSignal) => void) | undefined;
  subscriptions = 0;
  closed = 0;
  onSend: (nonce: Uint8Array | undefined) => void | Promise<void> = () => {};

  constructor(readonly clock: VirtualClock) {}

  sendNs(t: Address, nonce: Uint8Array | undefined): void | Promise<void> {
    this.sentNs.push({ target: t, nonce, at: this.clock.now() });
    return this.onSend(nonce);
  }

  sendNa(answer: DadAnswerNa): void {
    this.sentNa.push(answer);
  }

  subscribe(_target: Address, listener: (signal: DadSignal) => void): () => void {
    this.subscriptions++;
    this.listener = listener;
    return () => {
      this.subscriptions--;
      this.listener = undefined;
    };
  }

  close(): void {
    this.closed++;
  }

  say(signal: DadSignal): void {
    this.listener?.(signal);
  }
}

function setup(seed = 1) {
  const clock = new VirtualClock();
  const random = new SeededRandom(seed).asRandomBytes();
  return { clock, random, probe: new FakeProbe(clock) };
}

describe("DAD driver", () => {
  it("runs DAD to unique on a silent link, through the injected clock", async () => {
    const { clock, random, probe } = setup();
    const run = startDad({ target, probe, clock, random, options: { dadTransmits: 2, maxDelayMs: 500 } });
    expect(run.state.phase).toBe("tentative");
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "unique" });
    expect(probe.sentNs).toHaveLength(2);
    const [first, second] = probe.sentNs;
    expect(first?.at).toBeLessThanOrEqual(500);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBe(1000);
    expect(clock.now()).toBe((second?.at ?? 0) + 1000);
    // It keeps defending until stopped.
    expect(probe.subscriptions).toBe(1);
    probe.say({ type: "nsHeard", target, source: unspecified });
    expect(probe.sentNa).toHaveLength(1);
    run.stop();
    expect(probe.subscriptions).toBe(0);
    expect(run.state.phase).toBe("idle");
  });

  it("subscribes (joins the groups) before the first probe", () => {
    const { clock, random, probe } = setup();
    const order: string[] = [];
    const subscribe = probe.subscribe.bind(probe);
    probe.subscribe = (t, listener) => {
      order.push("subscribe");
      return subscribe(t, listener);
    };
    probe.onSend = () => {
      order.push("send");
    };
    startDad({ target, probe, clock, random, options: { maxDelayMs: 0 } });
    expect(order).toEqual(["subscribe", "send"]);
  });

  it("queues signals a probe raises inside sendNs", async () => {
    const { clock, random, probe } = setup();
    // A link that reflects synchronously: the looped-back copy arrives while the driver is busy.
    probe.onSend = (nonce) => probe.say({ type: "nsHeard", target, source: unspecified, nonce });
    const run = startDad({ target, probe, clock, random, options: { enhanced: true, maxDelayMs: 0 } });
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "unique" });
    expect(probe.sentNs).toHaveLength(4); // 1, then MAX_MULTICAST_SOLICIT after the loopback
  });

  it("a throwing or rejecting sendNs makes DAD inconclusive", async () => {
    for (const fail of [
      () => {
        throw new Error("ENETDOWN");
      },
      () => Promise.reject(new Error("ENETDOWN")),
    ]) {
      const { clock, random, probe } = setup();
      probe.onSend = fail;
      const run = startDad({ target, probe, clock, random, options: { maxDelayMs: 0 } });
      const outcome = await run.outcome;
      expect(outcome).toEqual({ status: "inconclusive", reason: "sending an NS failed: ENETDOWN" });
      expect(clock.pending).toBe(0);
      expect(probe.subscriptions).toBe(0);
    }
  });

  it("a probe that cannot subscribe gives inconclusive without sending", async () => {
    const { clock, random, probe } = setup();
    probe.subscribe = () => {
      throw new Error("no socket");
    };
    const run = startDad({ target, probe, clock, random });
    expect(await run.outcome).toEqual({ status: "inconclusive", reason: "the probe could not listen: no socket" });
    expect(probe.sentNs).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it("a duplicate ends the run: timers cancelled, probe unsubscribed", async () => {
    const { clock, random, probe } = setup();
    const run = startDad({ target, probe, clock, random, options: { dadTransmits: 3, maxDelayMs: 0 } });
    clock.runUntil(1500);
    probe.say({ type: "naHeard", target, source: peer });
    expect(await run.outcome).toMatchObject({ status: "duplicate", evidence: `an NA for the address from ${peer}` });
    expect(clock.pending).toBe(0);
    expect(probe.subscriptions).toBe(0);
    expect(probe.sentNs).toHaveLength(2);
  });

  it("link signals reach the machine: down aborts, up begins DAD that waited", async () => {
    const { clock, random, probe } = setup();
    const run = startDad({ target, probe, clock, random, options: { maxDelayMs: 0 } });
    probe.say({ type: "linkDown" });
    expect(await run.outcome).toMatchObject({ status: "inconclusive" });
    expect(clock.pending).toBe(0);
    // A probe whose link is down says so inside subscribe; DAD then waits for carrier.
    const later = setup();
    const subscribe = later.probe.subscribe.bind(later.probe);
    later.probe.subscribe = (t, listener) => {
      const unsubscribe = subscribe(t, listener);
      listener({ type: "linkDown" });
      return unsubscribe;
    };
    const waiting = startDad({ ...later, target, options: { maxDelayMs: 0 } });
    later.clock.runUntilIdle();
    expect(waiting.state).toMatchObject({ phase: "tentative", stage: "waitingForLink" });
    expect(later.probe.sentNs).toEqual([]);
    later.probe.say({ type: "linkUp" });
    later.clock.runUntilIdle();
    expect(await waiting.outcome).toEqual({ status: "unique" });
    waiting.stop();
    expect(later.probe.subscriptions).toBe(0);
  });

  it("optimistic: onUsable fires at start, and the run answers address resolution with O=0", async () => {
    const { clock, random, probe } = setup();
    const usable: Address[] = [];
    const run = startDad({
      target,
      probe,
      clock,
      random,
      options: { optimistic: true },
      onUsable: (a) => usable.push(a),
    });
    expect(usable).toEqual([target]);
    probe.say({ type: "nsHeard", target, source: peer });
    expect(probe.sentNa).toEqual([{ type: "answerNa", target, destination: peer, solicited: true, override: false }]);
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "unique" });
  });

  it("an NA that cannot be sent goes to onError and does not affect DAD", async () => {
    const { clock, random, probe } = setup();
    const errors: unknown[] = [];
    probe.sendNa = () => {
      throw new Error("EACCES");
    };
    const run = startDad({
      target,
      probe,
      clock,
      random,
      options: { optimistic: true },
      onError: (e) => errors.push(e),
    });
    probe.say({ type: "nsHeard", target, source: peer });
    expect(errors).toEqual([new Error("EACCES")]);
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "unique" });
  });

  it("lifetimes tick through the clock: preferred, deprecated, invalid", async () => {
    const { clock, random, probe } = setup();
    const phases: string[] = [];
    const run = startDad({
      target,
      probe,
      clock,
      random,
      options: { maxDelayMs: 0, preferredLifetimeMs: 10_000, validLifetimeMs: 30_000 },
      onTransition: (_e, t) => phases.push(t.state.phase),
    });
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "unique" });
    expect([...new Set(phases)]).toEqual(["tentative", "preferred", "deprecated", "invalid"]);
    expect(clock.now()).toBe(30_000);
    expect(probe.subscriptions).toBe(0);
  });

  it("stop cancels every timer", async () => {
    const { clock, random, probe } = setup();
    const run = startDad({ target, probe, clock, random, options: { dadTransmits: 5, validLifetimeMs: 60_000 } });
    expect(clock.pending).toBe(2); // the DAD timer and the lifetime tick
    run.stop();
    expect(clock.pending).toBe(0);
    expect(await run.outcome).toEqual({ status: "inconclusive", reason: "DAD was stopped" });
  });

  it("verdict probe: the kernel's verdict is the outcome", async () => {
    const { clock, random } = setup();
    let report: ((o: DadOutcome) => void) | undefined;
    let watching = false;
    const kernel: VerdictProbe = {
      watch: (_t, r) => {
        report = r;
        watching = true;
        return () => {
          watching = false;
        };
      },
    };
    const run = startDad({ target, probe: kernel, clock, random, options: { maxDelayMs: 0 } });
    expect(watching).toBe(true);
    clock.runUntil(900);
    report?.({ status: "duplicate", evidence: "dadfailed" });
    report?.({ status: "unique" });
    expect(await run.outcome).toEqual({ status: "duplicate", evidence: "dadfailed" });
    expect(watching).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it("verdict probe: a verdict given inside watch still stops the watch", async () => {
    const { clock, random } = setup();
    let watching = false;
    const kernel: VerdictProbe = {
      watch: (_t, report) => {
        watching = true;
        report({ status: "duplicate", evidence: "dadfailed" });
        return () => {
          watching = false;
        };
      },
    };
    const run = startDad({ target, probe: kernel, clock, random });
    expect(watching).toBe(false);
    expect(await run.outcome).toEqual({ status: "duplicate", evidence: "dadfailed" });
    expect(clock.pending).toBe(0);
  });

  it("verdict probe: no verdict times out inconclusive", async () => {
    const { clock, random } = setup();
    const run = startDad({
      target,
      probe: { watch: () => () => {} },
      clock,
      random,
      options: { verdictTimeoutMs: 5000 },
    });
    clock.runUntilIdle();
    expect(await run.outcome).toEqual({ status: "inconclusive", reason: "no DAD verdict within 5000 ms" });
    expect(clock.now()).toBe(5000);
  });
});

describe("createDadCheck", () => {
  it("createDadCheck: one probe per check, closed when the check ends", async () => {
    const { clock, random } = setup();
    const probes: FakeProbe[] = [];
    const check = createDadCheck({
      probe: () => {
        const p = new FakeProbe(clock);
        probes.push(p);
        return p;
      },
      clock,
      random,
      options: { maxDelayMs: 0 },
    });
    const pending = check(target);
    clock.runUntilIdle();
    expect(await pending).toEqual({ status: "unique" });
    expect(probes).toHaveLength(1);
    expect(probes[0]?.closed).toBe(1);
    // No defending afterwards: the check has let go of the link.
    expect(probes[0]?.subscriptions).toBe(0);
  });

  it("createDadCheck: an asynchronous probe factory works too", async () => {
    const { clock, random } = setup();
    const probe = new FakeProbe(clock);
    const check = createDadCheck({ probe: async () => probe, clock, random, options: { maxDelayMs: 0 } });
    const pending = check(target);
    await Promise.resolve();
    clock.runUntilIdle();
    probe.say({ type: "naHeard", target });
    expect(await pending).toEqual({ status: "unique" });
    expect(probe.sentNs).toHaveLength(1);
  });

  it("createDadCheck: a failing probe factory gives inconclusive", async () => {
    const { clock, random } = setup();
    const throwing = createDadCheck({
      probe: () => {
        throw new Error("EPERM");
      },
      clock,
      random,
    });
    expect(await throwing(target)).toEqual({ status: "inconclusive", reason: "no DAD probe: EPERM" });
    const rejecting = createDadCheck({ probe: () => Promise.reject(new Error("EPERM")), clock, random });
    expect(await rejecting(target)).toEqual({ status: "inconclusive", reason: "no DAD probe: EPERM" });
  });

  it("createDadCheck: rejects invalid options at once", () => {
    const { clock, random, probe } = setup();
    expect(() => createDadCheck({ probe: () => probe, clock, random, options: { retransTimerMs: -5 } })).toThrow(
      DadOptionsError,
    );
  });
});
