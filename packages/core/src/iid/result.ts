import type { Address } from "../address.js";
import { IidExhaustedError, IidInputError } from "../errors.js";
import { addressWithIidWords, type Prefix } from "../prefix.js";
import { isReservedIid, isReservedIidWords } from "./reserved.js";
import { highWordMask, lowWordMask, writeWord } from "./words.js";

/**
 * What an interface-identifier algorithm produced: the identifier, the DAD counter that produced
 * it (which may be higher than the one asked for, when lower counters gave reserved
 * identifiers), and the resulting address.
 *
 * @example
 * ```ts
 * const { address, dadCounter } = rfc7217Iid({ prefix, secret, owner: "c1", ifname: "eth0" });
 * ```
 */
export interface IidResult {
  /** 8 bytes; for prefixes longer than /64 only the low `prefix.hostBits` bits are set. */
  readonly iid: Uint8Array;
  /** The DAD counter the identifier was derived with. */
  readonly dadCounter: number;
  /** The prefix combined with the identifier. */
  readonly address: Address;
}

/**
 * Runs `derive` for DAD counters from `first` up to `last` and returns the first identifier that
 * `reserved` accepts. This is how the kernel and RFC 7217 §6 treat a reserved identifier: like a
 * DAD conflict, so the counter moves on.
 */
export function firstUsable(
  prefix: Prefix,
  first: number,
  last: number,
  derive: (dadCounter: number) => Uint8Array,
  reserved: (iid: Uint8Array, address: Address, prefix: Prefix) => boolean,
  algorithm: string,
): IidResult {
  for (let dadCounter = first; dadCounter <= last; dadCounter++) {
    const iid = prefix.maskIid(derive(dadCounter));
    const address = prefix.withIid(iid);
    if (!reserved(iid, address, prefix)) return { iid, dadCounter, address };
  }
  throw exhausted(algorithm, prefix, first, last);
}

/**
 * The error for a generator whose DAD counters `first` to `last` all gave unusable identifiers.
 *
 * @example
 * ```ts
 * throw exhausted("rfc7217", prefix, 0, 255);
 * ```
 */
export function exhausted(algorithm: string, prefix: Prefix, first: number, last: number): IidExhaustedError {
  return new IidExhaustedError(
    `${algorithm}: DAD counters ${first} to ${last} in ${prefix} all gave reserved identifiers or conflicts; ` +
      "raise the retry limit or pick another prefix",
  );
}

/**
 * The result for the identifier whose big-endian words are `high` and `low`, masked here to the
 * prefix's host bits, or undefined when it is reserved ({@link isReservedIidWords}). The check
 * runs on the two words before anything is allocated, and the result takes two arrays: the
 * identifier's and the address's.
 *
 * @example
 * ```ts
 * const digest = mac(message, length);
 * const result = usableIid(prefix, digest[6] ?? 0, digest[7] ?? 0, dadCounter);
 * ```
 */
export function usableIid(prefix: Prefix, high: number, low: number, dadCounter: number): IidResult | undefined {
  const hostBits = prefix.hostBits;
  const iidHigh = high & highWordMask(hostBits);
  const iidLow = low & lowWordMask(hostBits);
  if (isReservedIidWords(iidHigh, iidLow, hostBits)) return undefined;
  const iid = new Uint8Array(8);
  writeWord(iid, 0, iidHigh);
  writeWord(iid, 4, iidLow);
  return { iid, dadCounter, address: addressWithIidWords(prefix, iidHigh, iidLow) };
}

/**
 * The `reserved` test of {@link firstUsable} for generators that follow the IANA registry in any
 * prefix: {@link isReservedIid} with the prefix's host bits. A module function, so that a
 * generator makes no closure for it per identifier.
 *
 * @example
 * ```ts
 * firstUsable(prefix, 0, 255, derive, isReservedInPrefix, "rfc7217");
 * ```
 */
export function isReservedInPrefix(iid: Uint8Array, _address: Address, prefix: Prefix): boolean {
  return isReservedIid(iid, prefix.hostBits);
}

/** Returns `n` if it is a DAD counter from 0 to `max`, else throws `DAD_COUNTER_INVALID`. */
export function checkDadCounter(n: number, max: number): number {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new IidInputError("DAD_COUNTER_INVALID", `DAD counter ${n} must be an integer from 0 to ${max}`);
  }
  return n;
}

/** Throws `IID_PREFIX_LENGTH` unless `prefix` is /64 or shorter, as `algorithm` requires. */
export function requireUpTo64(prefix: Prefix, algorithm: string): void {
  if (prefix.bits > 64) {
    throw new IidInputError(
      "IID_PREFIX_LENGTH",
      `${algorithm} makes 64-bit identifiers and needs a prefix of /64 or shorter, not /${prefix.bits}; use rfc7217`,
    );
  }
}
