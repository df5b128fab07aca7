import { Address } from "../address.js";
import type { DadOutcome } from "./check.js";

/**
 * ff02::1, where an assigned address's answer to a DAD probe goes (RFC 4861 §7.2.4).
 *
 * @example
 * ```ts
 * ALL_NODES.toString(); // "ff02::1"
 * ```
 */
export const ALL_NODES: Address = Address.parse("ff02::1");

/**
 * Send an NS(DAD): source `::`, destination the solicited-node group of `target`, no SLLA option,
 * and a Nonce option when `nonce` is set.
 *
 * @example
 * ```ts
 * if (effect.type === "sendNs") probe.sendNs(effect.target, effect.nonce);
 * ```
 */
export interface DadSendNs {
  /** Discriminant. */
  readonly type: "sendNs";
  /** The tentative address. */
  readonly target: Address;
  /** The nonce to put in a Nonce option (enhanced DAD), or undefined for none. */
  readonly nonce: Uint8Array | undefined;
}

/**
 * Start a timer; when it fires, feed back a `timerFired` event with the same id.
 *
 * @example
 * ```ts
 * clock.setTimer(effect.delayMs, () => dispatch({ type: "timerFired", id: effect.id, now, entropy }));
 * ```
 */
export interface DadSetTimer {
  /** Discriminant. */
  readonly type: "setTimer";
  /** Unique within one machine's life. */
  readonly id: number;
  /** How long from now, in ms (0 or more). */
  readonly delayMs: number;
}

/**
 * Cancel the timer with this id (it would be ignored anyway; cancelling frees the clock).
 *
 * @example
 * ```ts
 * timers.get(effect.id)?.cancel();
 * ```
 */
export interface DadCancelTimer {
  /** Discriminant. */
  readonly type: "cancelTimer";
  /** The id from the earlier `setTimer`. */
  readonly id: number;
}

/**
 * DAD for this run has ended. Emitted exactly once per run.
 *
 * @example
 * ```ts
 * if (effect.type === "report") resolve(effect.outcome);
 * ```
 */
export interface DadReport {
  /** Discriminant. */
  readonly type: "report";
  /** The verdict, in the shape the allocator consumes. */
  readonly outcome: DadOutcome;
}

/**
 * An optimistic address may be used now, before DAD ends (RFC 4429 §3); a later `report` may
 * still withdraw it.
 *
 * @example
 * ```ts
 * if (effect.type === "usable") markUsable(effect.target);
 * ```
 */
export interface DadUsable {
  /** Discriminant. */
  readonly type: "usable";
  /** The optimistic address. */
  readonly target: Address;
}

/**
 * Send a Neighbor Advertisement for `target`, which this node holds (optimistic, preferred or
 * deprecated), to `destination`. Never emitted for a tentative address.
 *
 * @example
 * ```ts
 * if (effect.type === "answerNa") probe.sendNa?.(effect);
 * ```
 */
export interface DadAnswerNa {
  /** Discriminant. */
  readonly type: "answerNa";
  /** The address being defended; also the NA's source. */
  readonly target: Address;
  /** The soliciting node's unicast address, or {@link ALL_NODES} for an answer to a DAD probe. */
  readonly destination: Address;
  /** S flag: set when answering a unicast-sourced NS. */
  readonly solicited: boolean;
  /** O flag: 0 for an optimistic address (RFC 4429 §3), 1 otherwise. */
  readonly override: boolean;
}

/**
 * Everything the DAD machine asks its driver to do, in order.
 *
 * @example
 * ```ts
 * for (const effect of reduceDad(state, event).effects) perform(effect);
 * ```
 */
export type DadEffect = DadSendNs | DadSetTimer | DadCancelTimer | DadReport | DadUsable | DadAnswerNa;
