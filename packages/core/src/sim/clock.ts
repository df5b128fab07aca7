import type { Clock, ClockTimer } from "../dad/clock.js";
import { SimError } from "./errors.js";

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A virtual {@link Clock}: time moves only when timers run. Timers due at the same time run in
 * the order they were set, so a simulation is a deterministic function of its inputs.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * clock.setTimer(1000, () => console.log(clock.now())); // logs 1000 ...
 * clock.runUntilIdle();                                 // ... here, at once
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  // Sorted by (at, seq); the simulations hold at most a few hundred timers.
  readonly #queue: Entry[] = [];

  /**
   * A clock that reads `start` ms until a timer runs.
   *
   * @example
   * ```ts
   * new VirtualClock(5000).now(); // 5000
   * ```
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /**
   * The virtual time in ms.
   *
   * @example
   * ```ts
   * clock.now(); // 0 before anything ran
   * ```
   */
  now(): number {
    return this.#now;
  }

  /**
   * Schedules `callback` at now + `delayMs`.
   *
   * @throws {@link SimError} (`SIM_BAD_DELAY`) for a negative or non-finite delay.
   * @example
   * ```ts
   * const timer = clock.setTimer(10, fire);
   * timer.cancel();
   * ```
   */
  setTimer(delayMs: number, callback: () => void): ClockTimer {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new SimError("SIM_BAD_DELAY", `a timer delay must be a finite number of ms >= 0, got ${delayMs}`);
    }
    const entry: Entry = { at: this.#now + delayMs, seq: this.#seq++, callback };
    this.#queue.splice(this.#insertionPoint(entry.at), 0, entry);
    return {
      cancel: () => {
        const i = this.#queue.indexOf(entry);
        if (i >= 0) this.#queue.splice(i, 1);
      },
    };
  }

  // The first index whose timer is due strictly later than `at`: equal times keep their order.
  #insertionPoint(at: number): number {
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#queue[mid]?.at ?? 0) <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * How many timers are waiting.
   *
   * @example
   * ```ts
   * clock.pending; // 0 once everything ran
   * ```
   */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Runs the earliest timer, moving time to its due time. Returns false when none is left.
   *
   * @example
   * ```ts
   * while (clock.step()) inspect(link);
   * ```
   */
  step(): boolean {
    const entry = this.#queue.shift();
    if (!entry) return false;
    this.#now = Math.max(this.#now, entry.at);
    entry.callback();
    return true;
  }

  /**
   * Runs timers until none is left and returns how many ran.
   *
   * @throws {@link SimError} (`SIM_RUNAWAY`) after `maxSteps` timers, which means something keeps
   * re-arming (a defending node with a finite lifetime never does).
   * @example
   * ```ts
   * node.claim(target);
   * clock.runUntilIdle();
   * node.phaseOf(target); // "preferred"
   * ```
   */
  runUntilIdle(maxSteps = 1_000_000): number {
    let steps = 0;
    while (this.#queue.length > 0) {
      if (steps >= maxSteps) throw new SimError("SIM_RUNAWAY", `still busy after ${maxSteps} timers`);
      this.step();
      steps++;
    }
    return steps;
  }

  /**
   * Runs every timer due up to `time` (included), then moves the clock to `time`.
   *
   * @example
   * ```ts
   * clock.runUntil(500); // half-way through a 1000 ms DAD
   * ```
   */
  runUntil(time: number): number {
    let steps = 0;
    while ((this.#queue[0]?.at ?? Number.POSITIVE_INFINITY) <= time) {
      this.step();
      steps++;
    }
    this.#now = Math.max(this.#now, time);
    return steps;
  }
}
