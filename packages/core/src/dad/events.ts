import type { Address } from "../address.js";
import type { DadOutcome } from "./check.js";

/**
 * How many random bytes an event that may send a probe carries: a 6-byte nonce, then 4 bytes for
 * the initial delay. The reducer is pure, so randomness comes in with the events; missing bytes
 * read as zero.
 *
 * @example
 * ```ts
 * const entropy = random(DAD_ENTROPY_BYTES);
 * ```
 */
export const DAD_ENTROPY_BYTES = 10;

/**
 * Begin DAD (from `idle` only). `now` anchors the lifetimes.
 *
 * @example
 * ```ts
 * const start: DadStart = { type: "start", now: clock.now(), entropy: random(DAD_ENTROPY_BYTES) };
 * ```
 */
export interface DadStart {
  /** Discriminant. */
  readonly type: "start";
  /** The current time, in ms. */
  readonly now: number;
  /** Randomness for the initial delay and the nonce; see {@link DAD_ENTROPY_BYTES}. */
  readonly entropy: Uint8Array;
}

/**
 * A timer the machine asked for has fired. A timer whose `id` is not the machine's live timer is
 * stale (cancelled, or from an earlier stage) and is ignored.
 *
 * @example
 * ```ts
 * const fired: DadTimerFired = { type: "timerFired", id: 3, now: 1000, entropy };
 * ```
 */
export interface DadTimerFired {
  /** Discriminant. */
  readonly type: "timerFired";
  /** The id from the `setTimer` effect. */
  readonly id: number;
  /** The current time, in ms. */
  readonly now: number;
  /** Randomness for the nonce of the probe this timer may send. */
  readonly entropy: Uint8Array;
}

/**
 * A Neighbor Solicitation for some target was heard on the link (validated as RFC 4861 §7.1.1
 * asks). `source` is `::` for a DAD probe and a unicast address for address resolution.
 *
 * @example
 * ```ts
 * const ns: DadNsHeard = { type: "nsHeard", target, source: Address.parse("::"), nonce };
 * ```
 */
export interface DadNsHeard {
  /** Discriminant. */
  readonly type: "nsHeard";
  /** The NS's target address. */
  readonly target: Address;
  /** The IPv6 source of the NS. */
  readonly source: Address;
  /** The NS's Nonce option, or undefined when it had none. */
  readonly nonce?: Uint8Array | undefined;
}

/**
 * A Neighbor Advertisement for some target was heard on the link.
 *
 * @example
 * ```ts
 * const na: DadNaHeard = { type: "naHeard", target, source: target };
 * ```
 */
export interface DadNaHeard {
  /** Discriminant. */
  readonly type: "naHeard";
  /** The NA's target address. */
  readonly target: Address;
  /** The IPv6 source of the NA, when known (it names the defender in the evidence). */
  readonly source?: Address | undefined;
}

/**
 * Sending a probe failed (the socket refused it, the adapter's command failed). DAD cannot
 * conclude: the machine reports inconclusive.
 *
 * @example
 * ```ts
 * const failed: DadSendFailed = { type: "sendFailed", reason: "ENETDOWN" };
 * ```
 */
export interface DadSendFailed {
  /** Discriminant. */
  readonly type: "sendFailed";
  /** What went wrong, for the report. */
  readonly reason: string;
}

/**
 * The link lost carrier.
 *
 * @example
 * ```ts
 * const down: DadLinkDown = { type: "linkDown" };
 * ```
 */
export interface DadLinkDown {
  /** Discriminant. */
  readonly type: "linkDown";
}

/**
 * The link has carrier again. DAD that was started while the link was down begins now.
 *
 * @example
 * ```ts
 * const up: DadLinkUp = { type: "linkUp", now: clock.now(), entropy: random(DAD_ENTROPY_BYTES) };
 * ```
 */
export interface DadLinkUp {
  /** Discriminant. */
  readonly type: "linkUp";
  /** The current time, in ms. */
  readonly now: number;
  /** Randomness for the initial delay and the nonce, as for `start`. */
  readonly entropy: Uint8Array;
}

/**
 * Stop: cancel every timer and forget the address (DAD still running reports inconclusive).
 *
 * @example
 * ```ts
 * const stop: DadStop = { type: "stop" };
 * ```
 */
export interface DadStop {
  /** Discriminant. */
  readonly type: "stop";
}

/**
 * The clock moved; lifetimes that ran out take effect (preferred to deprecated to invalid).
 *
 * @example
 * ```ts
 * const tick: DadTick = { type: "tick", now: clock.now() };
 * ```
 */
export interface DadTick {
  /** Discriminant. */
  readonly type: "tick";
  /** The current time, in ms. */
  readonly now: number;
}

/**
 * Someone else ran DAD (the kernel) and this is its result. Used in `verdict` mode, accepted in
 * any mode while DAD runs.
 *
 * @example
 * ```ts
 * const verdict: DadVerdict = { type: "verdict", outcome: { status: "unique" } };
 * ```
 */
export interface DadVerdict {
  /** Discriminant. */
  readonly type: "verdict";
  /** The verdict as the other party reported it. */
  readonly outcome: DadOutcome;
}

/**
 * Everything the DAD machine reacts to.
 *
 * @example
 * ```ts
 * const { state, effects } = reduceDad(state, { type: "tick", now: 5000 });
 * ```
 */
export type DadEvent =
  | DadStart
  | DadTimerFired
  | DadNsHeard
  | DadNaHeard
  | DadSendFailed
  | DadLinkDown
  | DadLinkUp
  | DadStop
  | DadTick
  | DadVerdict;
