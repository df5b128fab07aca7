import { Own6Error } from "../errors.js";

/**
 * Why the simulator refused to go on.
 *
 * - `SIM_BAD_DELAY`: a timer delay that is negative or not finite.
 * - `SIM_BAD_OPTION`: a link option out of range (a probability outside [0, 1], a negative delay).
 * - `SIM_RUNAWAY`: the clock ran more steps than allowed; something keeps setting timers.
 * - `SIM_ALREADY_CLAIMED`: a node claimed an address it already has a DAD run for.
 *
 * @example
 * ```ts
 * const code: SimErrorCode = "SIM_RUNAWAY";
 * ```
 */
export type SimErrorCode = "SIM_BAD_DELAY" | "SIM_BAD_OPTION" | "SIM_RUNAWAY" | "SIM_ALREADY_CLAIMED";

/**
 * A misuse of the simulator (not a DAD verdict: DAD never throws).
 *
 * @example
 * ```ts
 * new VirtualClock().setTimer(-1, () => {}); // throws SimError, code SIM_BAD_DELAY
 * ```
 */
export class SimError extends Own6Error {
  constructor(code: SimErrorCode, message: string) {
    super(code, message);
  }
}
