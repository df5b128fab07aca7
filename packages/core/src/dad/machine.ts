import type { Address } from "../address.js";
import { compareBytes } from "../bytes.js";
import type { DadOutcome } from "./check.js";
import { ALL_NODES, type DadEffect } from "./effects.js";
import type { DadEvent, DadLinkUp, DadNsHeard } from "./events.js";
import {
  DAD_NONCE_BYTES,
  type DadOptions,
  MAX_MULTICAST_SOLICIT,
  type ResolvedDadOptions,
  resolveDadOptions,
} from "./options.js";
import {
  type DadAssigned,
  type DadEvidence,
  type DadIdle,
  type DadRunning,
  type DadState,
  type DadStateBase,
  describeDadEvidence,
  isDadRunning,
} from "./state.js";

/**
 * What one step of the machine produced: the next state and the effects to perform, in order.
 *
 * @example
 * ```ts
 * const { state, effects }: DadTransition = reduceDad(previous, event);
 * ```
 */
export interface DadTransition {
  /** The next state (the same object when the event changed nothing). */
  readonly state: DadState;
  /** What the driver must do, in order. */
  readonly effects: readonly DadEffect[];
}

/**
 * The machine for `target` before `start`: idle, link assumed up, clock at 0.
 *
 * @throws {@link DadOptionsError} for invalid options.
 * @example
 * ```ts
 * const state = initialDadState(Address.parse("2001:db8::1"), { dadTransmits: 3 });
 * ```
 */
export function initialDadState(target: Address, options?: DadOptions): DadIdle {
  return { phase: "idle", target, options: resolveDadOptions(options), linkUp: true, now: 0, nextTimerId: 0 };
}

/**
 * The DAD state machine: a pure reducer from a state and an event to the next state and the
 * effects to perform. It never throws and never reads a clock or randomness: time and random
 * bytes come in with the events. See docs/dad.md for the rules it follows.
 *
 * @example
 * ```ts
 * let state: DadState = initialDadState(target, { maxDelayMs: 0 });
 * ({ state } = reduceDad(state, { type: "start", now: 0, entropy: new Uint8Array(10) }));
 * // effects: sendNs (target, no nonce), setTimer (id 0, 1000 ms)
 * ```
 */
export function reduceDad(state: DadState, event: DadEvent): DadTransition {
  switch (event.type) {
    case "start":
      return state.phase === "idle" ? start(later(state, event.now), event.entropy) : stay(state);
    case "timerFired":
      return isDadRunning(state) && state.timer === event.id
        ? timerFired({ ...later(state, event.now), timer: undefined }, event.entropy)
        : stay(state);
    case "nsHeard":
      return sameAddress(event.target, state.target) ? nsHeard(state, event) : stay(state);
    case "naHeard":
      return isDadRunning(state) && sameAddress(event.target, state.target)
        ? fail(state, { kind: "na", source: event.source })
        : stay(state);
    case "sendFailed":
      return isDadRunning(state) ? abort(state, `sending an NS failed: ${event.reason}`) : stay(state);
    case "linkDown":
      return linkDown(state);
    case "linkUp":
      return linkUp({ ...state, linkUp: true }, event);
    case "stop":
      return stop(state);
    case "tick":
      return tick(later(state, event.now));
    case "verdict":
      return isDadRunning(state) ? verdict(state, event.outcome) : stay(state);
  }
}

function stay(state: DadState): DadTransition {
  return { state, effects: [] };
}

function later<S extends DadState>(state: S, now: number): S {
  return now > state.now ? { ...state, now } : state;
}

function base(state: DadState): DadStateBase {
  const { target, options, linkUp, now, nextTimerId } = state;
  return { target, options, linkUp, now, nextTimerId };
}

function sameAddress(a: Address, b: Address): boolean {
  return compareBytes(a.toBytes(), b.toBytes()) === 0;
}

function sameNonce(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

function start(idle: DadIdle, entropy: Uint8Array): DadTransition {
  const o = idle.options;
  const running: DadRunning = {
    ...base(idle),
    phase: o.optimistic ? "optimistic" : "tentative",
    stage: "waitingForLink",
    timer: undefined,
    sent: 0,
    planned: o.dadTransmits,
    heard: 0,
    nonces: [],
    loopedBack: false,
    extended: false,
    preferredUntil: idle.now + o.preferredLifetimeMs,
    validUntil: idle.now + o.validLifetimeMs,
  };
  // DupAddrDetectTransmits = 0 means no DAD at all (RFC 4862 §5.4): unique at once.
  if (o.mode === "probe" && o.dadTransmits === 0) return succeed(running);
  const usable: DadEffect[] = o.optimistic ? [{ type: "usable", target: idle.target }] : [];
  if (!idle.linkUp) return { state: running, effects: usable };
  const begun = begin(running, entropy);
  return { state: begun.state, effects: [...usable, ...begun.effects] };
}

function begin(running: DadRunning, entropy: Uint8Array): DadTransition {
  const o = running.options;
  // Carrier may come back after the address's valid lifetime is over.
  if (running.now >= running.validUntil) return expire(running);
  if (o.mode === "verdict") return arm({ ...running, stage: "awaitingVerdict" }, o.verdictTimeoutMs, []);
  // Linux draws one nonce per run, when DAD is kicked off (addrconf_dad_kick).
  const nonces = o.profile === "linux" && o.enhanced ? [nonceFrom(entropy)] : [];
  const ready = { ...running, nonces };
  const delay = initialDelay(o, entropy);
  return delay > 0 ? arm({ ...ready, stage: "delaying" }, delay, []) : probe(ready, entropy);
}

function initialDelay(o: ResolvedDadOptions, entropy: Uint8Array): number {
  if (o.maxDelayMs === 0) return 0;
  const u =
    ((entropy[6] ?? 0) * 2 ** 24 + ((entropy[7] ?? 0) << 16) + ((entropy[8] ?? 0) << 8) + (entropy[9] ?? 0)) >>> 0;
  return o.profile === "linux" ? u % o.maxDelayMs : Math.floor((u / 2 ** 32) * (o.maxDelayMs + 1));
}

function nonceFrom(entropy: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(DAD_NONCE_BYTES);
  nonce.set(entropy.subarray(0, DAD_NONCE_BYTES));
  return nonce;
}

function arm(running: DadRunning, delayMs: number, effects: readonly DadEffect[]): DadTransition {
  const id = running.nextTimerId;
  return {
    state: { ...running, timer: id, nextTimerId: id + 1 },
    effects: [...effects, { type: "setTimer", id, delayMs }],
  };
}

function probe(running: DadRunning, entropy: Uint8Array): DadTransition {
  const o = running.options;
  const fresh = o.enhanced && o.profile === "rfc";
  const nonce = fresh ? nonceFrom(entropy) : running.nonces[0];
  const nonces = fresh && nonce ? [...running.nonces, nonce] : running.nonces;
  const next: DadRunning = { ...running, stage: "probing", sent: running.sent + 1, nonces };
  return arm(next, o.retransTimerMs, [{ type: "sendNs", target: running.target, nonce }]);
}

function timerFired(running: DadRunning, entropy: Uint8Array): DadTransition {
  const o = running.options;
  if (running.now >= running.validUntil) return expire(running);
  switch (running.stage) {
    case "delaying":
      return probe(running, entropy);
    case "awaitingVerdict":
      return abort(running, `no DAD verdict within ${o.verdictTimeoutMs} ms`);
    default:
      break;
  }
  if (running.sent < running.planned) return probe(running, entropy);
  // RFC 7527 §4.1: a looped-back probe earns MAX_MULTICAST_SOLICIT more, each with a new nonce.
  // The RFC repeats this for as long as probes loop back; on a link that always reflects that
  // never ends, so we re-probe once and then stop, as its "manual stop" allows.
  if (o.profile === "rfc" && o.enhanced && running.loopedBack && !running.extended) {
    const more = { ...running, planned: running.planned + MAX_MULTICAST_SOLICIT, extended: true, loopedBack: false };
    return probe(more, entropy);
  }
  return succeed(running);
}

function cancel(running: DadRunning): DadEffect[] {
  return running.timer === undefined ? [] : [{ type: "cancelTimer", id: running.timer }];
}

function succeed(running: DadRunning): DadTransition {
  const { preferredUntil, validUntil, nonces } = running;
  const phase = running.now >= preferredUntil ? "deprecated" : "preferred";
  return {
    state: { ...base(running), phase, preferredUntil, validUntil, nonces },
    effects: [...cancel(running), { type: "report", outcome: { status: "unique" } }],
  };
}

function fail(running: DadRunning, evidence: DadEvidence): DadTransition {
  const outcome: DadOutcome = { status: "duplicate", evidence: describeDadEvidence(evidence) };
  return {
    state: { ...base(running), phase: "duplicate", evidence },
    effects: [...cancel(running), { type: "report", outcome }],
  };
}

function abort(running: DadRunning, reason: string, phase: "idle" | "invalid" = "idle"): DadTransition {
  return {
    state: { ...base(running), phase },
    effects: [...cancel(running), { type: "report", outcome: { status: "inconclusive", reason } }],
  };
}

function expire(running: DadRunning): DadTransition {
  return abort(running, "the valid lifetime ran out during DAD", "invalid");
}

function nsHeard(state: DadState, event: DadNsHeard): DadTransition {
  const kind = event.source.kind;
  // RFC 4861 §7.1.1: a multicast source is invalid; the probe should have dropped it already.
  if (kind === "multicast") return stay(state);
  const dad = kind === "unspecified";
  if (isDadRunning(state)) return dad ? probeHeard(state, event.nonce) : resolutionHeard(state, event.source);
  if (state.phase === "preferred" || state.phase === "deprecated") {
    return dad ? defend(state, event.nonce) : answer(state, event.source, true, true);
  }
  return stay(state);
}

function resolutionHeard(running: DadRunning, source: Address): DadTransition {
  // RFC 4862 §5.4.3: address resolution for a tentative target is silently ignored. RFC 4429 §3:
  // an optimistic address answers it, with O=0 so that it does not override a real owner's entry.
  return running.phase === "optimistic" ? answer(running, source, true, false) : stay(running);
}

function answer(state: DadState, destination: Address, solicited: boolean, override: boolean): DadTransition {
  return { state, effects: [{ type: "answerNa", target: state.target, destination, solicited, override }] };
}

function defend(assigned: DadAssigned, nonce: Uint8Array | undefined): DadTransition {
  // A late copy of our own probe is not a newcomer; answering it would only echo back to us.
  if (nonce && assigned.nonces.some((n) => sameNonce(n, nonce))) return stay(assigned);
  return answer(assigned, ALL_NODES, false, true);
}

function probeHeard(running: DadRunning, nonce: Uint8Array | undefined): DadTransition {
  const o = running.options;
  if (o.enhanced) {
    if (nonce && running.nonces.some((n) => sameNonce(n, nonce))) return stay({ ...running, loopedBack: true });
    return fail(running, { kind: "ns", rule: nonce ? "foreignNonce" : "noNonce", nonce });
  }
  // RFC 4862 §5.4.3 counting. Linux without enhanced_dad fails on any NS(DAD): no loopback credit.
  const heard = running.heard + 1;
  const copies = o.profile === "linux" ? 0 : o.loopbackCopies;
  if (heard <= running.sent * copies) return stay({ ...running, heard });
  return fail(running, { kind: "ns", rule: running.sent === 0 ? "beforeOurs" : "moreThanSent", nonce });
}

function linkDown(state: DadState): DadTransition {
  const down = { ...state, linkUp: false };
  // A defender's NA may have been lost while the link was down, so counting on is unsound; and a
  // DadCheck must settle rather than wait for a carrier that may never return.
  if (isDadRunning(down) && down.stage !== "waitingForLink") return abort(down, "the link went down during DAD");
  return stay(down);
}

function linkUp(state: DadState, event: DadLinkUp): DadTransition {
  return isDadRunning(state) && state.stage === "waitingForLink"
    ? begin(later(state, event.now), event.entropy)
    : stay(state);
}

function stop(state: DadState): DadTransition {
  if (isDadRunning(state)) return abort(state, "DAD was stopped");
  if (state.phase === "preferred" || state.phase === "deprecated") return stay({ ...base(state), phase: "idle" });
  return stay(state);
}

function tick(state: DadState): DadTransition {
  if (isDadRunning(state)) {
    return state.now >= state.validUntil ? expire(state) : stay(state);
  }
  if (state.phase !== "preferred" && state.phase !== "deprecated") return stay(state);
  if (state.now >= state.validUntil) return stay({ ...base(state), phase: "invalid" });
  return stay(state.now >= state.preferredUntil ? { ...state, phase: "deprecated" } : state);
}

function verdict(running: DadRunning, outcome: DadOutcome): DadTransition {
  switch (outcome.status) {
    case "unique":
      return succeed(running);
    case "duplicate":
      return fail(running, { kind: "verdict", detail: outcome.evidence });
    case "inconclusive":
      return abort(running, outcome.reason);
  }
}
