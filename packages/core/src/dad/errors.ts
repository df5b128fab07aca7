import { Own6Error } from "../errors.js";

/**
 * DAD options that cannot describe a real interface: a negative or fractional transmit count, a
 * zero RetransTimer, a preferred lifetime longer than the valid one, and so on. Thrown when the
 * options are read (by {@link initialDadState}, {@link startDad} or {@link createDadCheck}), never
 * by the reducer, so a running machine cannot fail on them.
 *
 * @example
 * ```ts
 * resolveDadOptions({ dadTransmits: -1 }); // throws DadOptionsError, code DAD_OPTIONS_INVALID
 * ```
 */
export class DadOptionsError extends Own6Error {
  /** The option that was rejected, such as `retransTimerMs`. */
  readonly option: string;

  constructor(option: string, reason: string) {
    super("DAD_OPTIONS_INVALID", `DAD option ${option} ${reason}`);
    this.option = option;
  }
}
