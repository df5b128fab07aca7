/**
 * A timer started by a {@link Clock}.
 *
 * @example
 * ```ts
 * const timer = clock.setTimer(1000, fire);
 * timer.cancel(); // fire will not run
 * ```
 */
export interface ClockTimer {
  /** Stops the timer; cancelling one that has fired or was cancelled does nothing. */
  cancel(): void;
}

/**
 * Time, injected: the core never reads a real clock. Adapters wrap `Date.now` and `setTimeout`;
 * tests and the simulated link use `VirtualClock` from `@own6/core/sim`.
 *
 * Contract: `now()` never goes backwards; a timer's callback runs once, no earlier than `delayMs`
 * after `setTimer`, and never synchronously inside `setTimer`; timers due at the same time run in
 * the order they were set. The DAD driver only asks for delays up to 2^31 − 1 ms, so a
 * `setTimeout` wrapper needs no splitting.
 *
 * @example
 * ```ts
 * const realClock: Clock = {
 *   now: () => Date.now(),
 *   setTimer: (delayMs, callback) => {
 *     const handle = setTimeout(callback, delayMs);
 *     return { cancel: () => clearTimeout(handle) };
 *   },
 * };
 * ```
 */
export interface Clock {
  /** The current time in ms (any epoch, as long as it is monotonic). */
  now(): number;
  /** Runs `callback` after `delayMs` ms (0 or more). */
  setTimer(delayMs: number, callback: () => void): ClockTimer;
}
