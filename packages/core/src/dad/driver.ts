import type { Address } from "../address.js";
import type { RandomBytes } from "../iid/random.js";
import type { DadCheck, DadOutcome } from "./check.js";
import type { Clock, ClockTimer } from "./clock.js";
import type { DadAnswerNa, DadEffect, DadSendNs } from "./effects.js";
import { DAD_ENTROPY_BYTES, type DadEvent } from "./events.js";
import { type DadTransition, initialDadState, reduceDad } from "./machine.js";
import { type DadOptions, resolveDadOptions } from "./options.js";
import { type DadProbe, type DadProbeFactory, type DadSignal, isVerdictProbe, type VerdictProbe } from "./probe.js";
import { type DadState, dadDeadline, isDadRunning } from "./state.js";

// Node's setTimeout fires at once for longer delays; a lifetime tick that comes early is harmless
// (the reducer sees nothing due and the driver re-arms).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What {@link startDad} needs.
 *
 * @example
 * ```ts
 * const params: DadRunParams = { target, probe, clock, random, options: { dadTransmits: 2 } };
 * ```
 */
export interface DadRunParams {
  /** The address to test. */
  readonly target: Address;
  /** The link: packets ({@link DadProbe}) or a verdict ({@link VerdictProbe}). */
  readonly probe: DadProbe | VerdictProbe;
  /** Time and timers. */
  readonly clock: Clock;
  /** Random bytes for delays and nonces. */
  readonly random: RandomBytes;
  /** DAD options; a {@link VerdictProbe} forces `mode: "verdict"`. */
  readonly options?: DadOptions | undefined;
  /**
   * Whether to keep running after a unique verdict, answering NS for the address and applying its
   * lifetimes, until {@link DadRun.stop}. Default true. A {@link DadCheck} uses false: once the
   * address is assigned, the kernel defends it.
   */
  readonly defend?: boolean | undefined;
  /** Called when an optimistic address becomes usable, before DAD ends. */
  readonly onUsable?: ((target: Address) => void) | undefined;
  /** Called after every step, for logging and tests. */
  readonly onTransition?: ((event: DadEvent, transition: DadTransition) => void) | undefined;
  /** Called when an NA could not be sent (which does not affect DAD). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * A running DAD for one address.
 *
 * @example
 * ```ts
 * const run = startDad({ target, probe, clock, random });
 * const outcome = await run.outcome;
 * run.state.phase; // "preferred", "duplicate", ...
 * run.stop();
 * ```
 */
export interface DadRun {
  /** The address under test. */
  readonly target: Address;
  /** The machine's current state. */
  readonly state: DadState;
  /** Settles once, with the verdict, when DAD ends; it never rejects. */
  readonly outcome: Promise<DadOutcome>;
  /** Stops the run: timers are cancelled, the probe unsubscribed; running DAD reports inconclusive. */
  stop(): void;
}

/**
 * Runs the DAD machine for `params.target` with the injected probe, clock and randomness, and
 * returns at once; the verdict comes in `outcome`.
 *
 * @throws {@link DadOptionsError} for invalid options.
 * @example
 * ```ts
 * const run = startDad({ target: Address.parse("2001:db8::1"), probe, clock, random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
 * if ((await run.outcome).status === "unique") configure(run.target);
 * ```
 */
export function startDad(params: DadRunParams): DadRun {
  return new DadDriver(params);
}

class DadDriver implements DadRun {
  readonly target: Address;
  readonly outcome: Promise<DadOutcome>;
  readonly #params: DadRunParams;
  readonly #queue: DadEvent[] = [];
  readonly #timers = new Map<number, ClockTimer>();
  #state: DadState;
  #settle: (outcome: DadOutcome) => void = () => {};
  #busy = false;
  #started = false;
  #ended = false;
  #lifetime: { readonly at: number; readonly timer: ClockTimer } | undefined;
  #detach: (() => void) | undefined;

  constructor(params: DadRunParams) {
    this.#params = params;
    this.target = params.target;
    const probe = params.probe;
    const verdict = isVerdictProbe(probe);
    this.#state = initialDadState(params.target, { ...params.options, ...(verdict ? { mode: "verdict" } : {}) });
    this.outcome = new Promise((resolve) => {
      this.#settle = resolve;
    });
    if (verdict) this.#startWatching(probe);
    else this.#startListening(probe);
  }

  get state(): DadState {
    return this.#state;
  }

  stop(): void {
    this.#dispatch({ type: "stop" });
  }

  #startListening(probe: DadProbe): void {
    try {
      // Subscribing first: the groups must be joined before the first probe goes out.
      this.#detach = probe.subscribe(this.target, (signal) => this.#heard(signal));
    } catch (e) {
      this.#ended = true;
      this.#settle({ status: "inconclusive", reason: `the probe could not listen: ${messageOf(e)}` });
      return;
    }
    this.#start();
  }

  #startWatching(probe: VerdictProbe): void {
    this.#start();
    try {
      const detach = probe.watch(this.target, (outcome) => this.#dispatch({ type: "verdict", outcome }));
      // A verdict given inside watch() has already ended the run.
      if (this.#ended) detach();
      else this.#detach = detach;
    } catch (e) {
      this.#dispatch({ type: "sendFailed", reason: `the verdict probe failed: ${messageOf(e)}` });
    }
  }

  #start(): void {
    this.#started = true;
    this.#dispatch(this.#withEntropy("start"));
  }

  #withEntropy(type: "start" | "linkUp"): DadEvent {
    return { type, now: this.#params.clock.now(), entropy: this.#params.random(DAD_ENTROPY_BYTES) };
  }

  #heard(signal: DadSignal): void {
    this.#dispatch(signal.type === "linkUp" ? this.#withEntropy("linkUp") : signal);
  }

  // Events raised while effects run (a probe that answers synchronously) wait their turn, so the
  // reducer always sees one event at a time.
  #dispatch(event: DadEvent): void {
    this.#queue.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#step(next);
    } finally {
      this.#busy = false;
    }
    this.#afterSteps();
  }

  #step(event: DadEvent): void {
    const transition = reduceDad(this.#state, event);
    this.#state = transition.state;
    this.#params.onTransition?.(event, transition);
    for (const effect of transition.effects) this.#perform(effect);
  }

  #perform(effect: DadEffect): void {
    switch (effect.type) {
      case "sendNs":
        this.#sendNs(effect);
        break;
      case "answerNa":
        this.#sendNa(effect);
        break;
      case "setTimer":
        this.#timers.set(
          effect.id,
          this.#params.clock.setTimer(effect.delayMs, () => this.#fire(effect.id)),
        );
        break;
      case "cancelTimer":
        this.#timers.get(effect.id)?.cancel();
        this.#timers.delete(effect.id);
        break;
      case "report":
        this.#settle(effect.outcome);
        break;
      case "usable":
        this.#params.onUsable?.(effect.target);
        break;
    }
  }

  #fire(id: number): void {
    this.#timers.delete(id);
    const { clock, random } = this.#params;
    this.#dispatch({ type: "timerFired", id, now: clock.now(), entropy: random(DAD_ENTROPY_BYTES) });
  }

  #sendNs(effect: DadSendNs): void {
    const probe = this.#params.probe;
    // In verdict mode the machine never asks to send; the guard is for the type checker.
    if (isVerdictProbe(probe)) return;
    const failed = (e: unknown) => this.#dispatch({ type: "sendFailed", reason: messageOf(e) });
    try {
      const sent = probe.sendNs(effect.target, effect.nonce);
      if (sent) sent.then(undefined, failed);
    } catch (e) {
      failed(e);
    }
  }

  #sendNa(effect: DadAnswerNa): void {
    const probe = this.#params.probe;
    if (isVerdictProbe(probe) || !probe.sendNa) return;
    const failed = (e: unknown) => this.#params.onError?.(e);
    try {
      const sent = probe.sendNa(effect);
      if (sent) sent.then(undefined, failed);
    } catch (e) {
      failed(e);
    }
  }

  #afterSteps(): void {
    // Signals a probe gives while subscribing (link down) come before the run has begun.
    if (!this.#started) return;
    const state = this.#state;
    const assigned = state.phase === "preferred" || state.phase === "deprecated";
    if (isDadRunning(state) || (assigned && this.#params.defend !== false)) this.#armLifetime(state);
    else this.#end();
  }

  #armLifetime(state: DadState): void {
    const at = dadDeadline(state);
    if (this.#lifetime?.at === at) return;
    this.#lifetime?.timer.cancel();
    this.#lifetime = undefined;
    if (at === undefined) return;
    const { clock } = this.#params;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
    const timer = clock.setTimer(delay, () => {
      this.#lifetime = undefined;
      this.#dispatch({ type: "tick", now: clock.now() });
    });
    this.#lifetime = { at, timer };
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#detach?.();
    this.#detach = undefined;
    this.#lifetime?.timer.cancel();
    this.#lifetime = undefined;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }
}

/**
 * What {@link createDadCheck} needs.
 *
 * @example
 * ```ts
 * const params: DadCheckParams = { probe: (target) => node.probe(), clock, random };
 * ```
 */
export interface DadCheckParams {
  /** Makes the probe for each address. */
  readonly probe: DadProbeFactory;
  /** Time and timers. */
  readonly clock: Clock;
  /** Random bytes for delays and nonces. */
  readonly random: RandomBytes;
  /** DAD options for every check. */
  readonly options?: DadOptions | undefined;
  /** Called when an NA could not be sent. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * Builds the {@link DadCheck} the allocator consumes: each call makes a probe for the address,
 * runs DAD once (without defending afterwards), closes the probe and resolves with the verdict.
 * A probe that cannot be made gives `inconclusive`; the promise never rejects.
 *
 * @throws {@link DadOptionsError} at once for invalid options.
 * @example
 * ```ts
 * const check = createDadCheck({ probe: (target) => rawProbe(ifname, target), clock, random, options: LINUX_DAD_OPTIONS });
 * const outcome = await check(Address.parse("2001:db8::1"));
 * ```
 */
export function createDadCheck(params: DadCheckParams): DadCheck {
  resolveDadOptions(params.options);
  const run = (target: Address, probe: DadProbe | VerdictProbe): Promise<DadOutcome> =>
    startDad({ ...params, target, probe, defend: false }).outcome.finally(() => probe.close?.());
  const unavailable = (e: unknown): DadOutcome => ({ status: "inconclusive", reason: `no DAD probe: ${messageOf(e)}` });
  return (target) => {
    let made: ReturnType<DadProbeFactory>;
    try {
      made = params.probe(target);
    } catch (e) {
      return Promise.resolve(unavailable(e));
    }
    // A synchronous factory starts DAD within this call, so a virtual clock can run it at once.
    if (made instanceof Promise) return made.then((probe) => run(target, probe), unavailable);
    return run(target, made);
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
