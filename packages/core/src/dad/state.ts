import type { Address } from "../address.js";
import { toHex } from "../bytes.js";
import type { ResolvedDadOptions } from "./options.js";

/**
 * Where one address stands. RFC 4862 §2 names tentative, preferred, deprecated and invalid; RFC
 * 4429 adds optimistic; `duplicate` is RFC 7527 §1.2's "DAD-failed state". `idle` means not
 * started, or stopped without a verdict (link down, send failure, stop).
 *
 * @example
 * ```ts
 * const usable: DadPhase[] = ["optimistic", "preferred", "deprecated"];
 * ```
 */
export type DadPhase = "idle" | "tentative" | "optimistic" | "preferred" | "deprecated" | "duplicate" | "invalid";

/**
 * What a running DAD (tentative or optimistic) is doing.
 *
 * - `waitingForLink`: started while the link was down; DAD begins at link up.
 * - `delaying`: the random initial delay of RFC 4862 §5.4.2.
 * - `probing`: sending NS(DAD) RetransTimer apart, or waiting after the last one.
 * - `awaitingVerdict`: `verdict` mode; someone else is probing.
 *
 * @example
 * ```ts
 * if (state.phase === "tentative" && state.stage === "delaying") showSpinner();
 * ```
 */
export type DadStage = "waitingForLink" | "delaying" | "probing" | "awaitingVerdict";

/**
 * Which RFC 4862 / RFC 7527 rule made an NS(DAD) count as a duplicate.
 *
 * - `beforeOurs`: it came before we sent any probe (RFC 4862 §5.4.3).
 * - `moreThanSent`: we heard more than loopback explains (RFC 4862 §5.4.3).
 * - `foreignNonce`: its nonce is none of ours (RFC 7527 §4.2, Linux).
 * - `noNonce`: it had no nonce while all of ours do (RFC 7527, Linux).
 *
 * @example
 * ```ts
 * const rule: DadNsRule = "foreignNonce";
 * ```
 */
export type DadNsRule = "beforeOurs" | "moreThanSent" | "foreignNonce" | "noNonce";

/**
 * Why an address was found to be a duplicate.
 *
 * @example
 * ```ts
 * if (state.phase === "duplicate" && state.evidence.kind === "na") blame(state.evidence.source);
 * ```
 */
export type DadEvidence =
  | { readonly kind: "na"; readonly source: Address | undefined }
  | { readonly kind: "ns"; readonly rule: DadNsRule; readonly nonce: Uint8Array | undefined }
  | { readonly kind: "verdict"; readonly detail: string };

/**
 * What every state knows.
 *
 * @example
 * ```ts
 * const base: DadStateBase = initialDadState(target);
 * ```
 */
export interface DadStateBase {
  /** The address under test. */
  readonly target: Address;
  /** The options, resolved once at creation. */
  readonly options: ResolvedDadOptions;
  /** Whether the link has carrier, as last reported. */
  readonly linkUp: boolean;
  /** The latest time an event carried, in ms. */
  readonly now: number;
  /** The id the next `setTimer` will use; ids are never reused, so stale timers are recognisable. */
  readonly nextTimerId: number;
}

/**
 * Not started, or stopped without a verdict.
 *
 * @example
 * ```ts
 * reduceDad(initialDadState(target), { type: "start", now: 0, entropy }).state.phase; // "tentative"
 * ```
 */
export interface DadIdle extends DadStateBase {
  /** Discriminant. */
  readonly phase: "idle";
}

/**
 * DAD is running: the address is tentative (unusable) or optimistic (usable, RFC 4429).
 *
 * @example
 * ```ts
 * if (state.phase === "optimistic") state.sent; // probes sent so far
 * ```
 */
export interface DadRunning extends DadStateBase {
  /** Discriminant. */
  readonly phase: "tentative" | "optimistic";
  /** What DAD is doing now. */
  readonly stage: DadStage;
  /** The id of the one live timer; undefined only while waiting for the link. */
  readonly timer: number | undefined;
  /** NS(DAD) sent in this run. */
  readonly sent: number;
  /** NS(DAD) this run will send: dadTransmits, plus MAX_MULTICAST_SOLICIT after a loopback. */
  readonly planned: number;
  /** NS(DAD) for the target heard in this run (counted only by `rfc` without `enhanced`). */
  readonly heard: number;
  /** Every nonce we sent in this run (one for `linux`, one per probe for `rfc`, none without `enhanced`). */
  readonly nonces: readonly Uint8Array[];
  /** Whether one of our probes came back in the current round (RFC 7527 §4.1). */
  readonly loopedBack: boolean;
  /** Whether the RFC 7527 re-probing round has started (it runs at most once). */
  readonly extended: boolean;
  /** When the address stops being preferred, in ms (Infinity for never). */
  readonly preferredUntil: number;
  /** When the address stops being valid, in ms (Infinity for never). */
  readonly validUntil: number;
}

/**
 * DAD succeeded and the address is assigned: preferred, or deprecated once its preferred lifetime
 * has run out. Either way it answers NS for itself.
 *
 * @example
 * ```ts
 * if (state.phase === "preferred") useAsSource(state.target);
 * ```
 */
export interface DadAssigned extends DadStateBase {
  /** Discriminant. */
  readonly phase: "preferred" | "deprecated";
  /** When the address stops being preferred, in ms. */
  readonly preferredUntil: number;
  /** When the address stops being valid, in ms. */
  readonly validUntil: number;
  /** Our nonces from the DAD run, so a late copy of our own probe is not answered. */
  readonly nonces: readonly Uint8Array[];
}

/**
 * DAD failed: another node holds the address. Final; the address must never be used.
 *
 * @example
 * ```ts
 * if (state.phase === "duplicate") describeDadEvidence(state.evidence);
 * ```
 */
export interface DadDuplicate extends DadStateBase {
  /** Discriminant. */
  readonly phase: "duplicate";
  /** What showed the duplicate. */
  readonly evidence: DadEvidence;
}

/**
 * The valid lifetime ran out. Final.
 *
 * @example
 * ```ts
 * if (state.phase === "invalid") removeAddress(state.target);
 * ```
 */
export interface DadInvalid extends DadStateBase {
  /** Discriminant. */
  readonly phase: "invalid";
}

/**
 * The state of the DAD machine for one address.
 *
 * @example
 * ```ts
 * let state: DadState = initialDadState(Address.parse("2001:db8::1"));
 * ```
 */
export type DadState = DadIdle | DadRunning | DadAssigned | DadDuplicate | DadInvalid;

/**
 * Whether DAD is running (tentative or optimistic).
 *
 * @example
 * ```ts
 * if (isDadRunning(state)) state.sent;
 * ```
 */
export function isDadRunning(state: DadState): state is DadRunning {
  return state.phase === "tentative" || state.phase === "optimistic";
}

/**
 * Whether the address may be the source of an NS (address resolution, NUD): only once assigned.
 * A tentative address must not be used at all (RFC 4862 §5.4), and RFC 4429 §3 forbids an
 * optimistic one as the source of an NS.
 *
 * @example
 * ```ts
 * const source = states.find(mayBeNsSource)?.target;
 * ```
 */
export function mayBeNsSource(state: DadState): boolean {
  return state.phase === "preferred" || state.phase === "deprecated";
}

/**
 * The next time at which a `tick` changes this state (a lifetime runs out), or undefined.
 *
 * @example
 * ```ts
 * const at = dadDeadline(state);
 * if (at !== undefined) clock.setTimer(at - clock.now(), () => dispatch({ type: "tick", now: clock.now() }));
 * ```
 */
export function dadDeadline(state: DadState): number | undefined {
  const at =
    state.phase === "preferred"
      ? Math.min(state.preferredUntil, state.validUntil)
      : state.phase === "deprecated" || isDadRunning(state)
        ? state.validUntil
        : Number.POSITIVE_INFINITY;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * A one-line account of `evidence` for logs and {@link DadOutcome}.
 *
 * @example
 * ```ts
 * describeDadEvidence({ kind: "ns", rule: "noNonce", nonce: undefined });
 * // "an NS(DAD) without a nonce, while ours carry one"
 * ```
 */
export function describeDadEvidence(evidence: DadEvidence): string {
  switch (evidence.kind) {
    case "na":
      return `an NA for the address${evidence.source ? ` from ${evidence.source}` : ""}`;
    case "verdict":
      return evidence.detail;
    case "ns":
      return NS_RULES[evidence.rule] + (evidence.nonce ? ` (nonce ${toHex(evidence.nonce)})` : "");
  }
}

const NS_RULES: Readonly<Record<DadNsRule, string>> = {
  beforeOurs: "an NS(DAD) from another node before we sent ours",
  moreThanSent: "more NS(DAD) than our own looped-back probes explain",
  foreignNonce: "an NS(DAD) whose nonce is not ours",
  noNonce: "an NS(DAD) without a nonce, while ours carry one",
};
