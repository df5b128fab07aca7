import type { Prefix } from "../prefix.js";
import { firstUsable, type IidResult, isReservedInPrefix } from "./result.js";

/** Fills and returns `n` random bytes. Inject a CSPRNG (`crypto.getRandomValues`) in production. */
export type RandomBytes = (n: number) => Uint8Array;

/** Input to {@link randomIid}. */
export interface RandomIidInput {
  /** The prefix the temporary address is made in. */
  readonly prefix: Prefix;
  /** The source of randomness; the core has none of its own. */
  readonly random: RandomBytes;
  /** Draws allowed before giving up; default 64, enough for a /120's 50% reserved space. */
  readonly maxDraws?: number;
}

/**
 * A random identifier, for temporary addresses (RFC 8981): a fresh draw for each call and again
 * whenever a draw is reserved. `dadCounter` reports how many draws were discarded.
 *
 * @throws {@link IidExhaustedError} when every draw was reserved.
 * @example
 * ```ts
 * randomIid({ prefix, random: (n) => crypto.getRandomValues(new Uint8Array(n)) }).address;
 * ```
 */
export function randomIid(input: RandomIidInput): IidResult {
  const draws = input.maxDraws ?? 64;
  const derive = () => input.random(8);
  return firstUsable(input.prefix, 0, draws - 1, derive, isReservedInPrefix, "random");
}
