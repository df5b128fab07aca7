import { IidExhaustedError, IidInputError } from "../errors.js";
import type { Prefix } from "../prefix.js";
import { isReservedIid } from "./reserved.js";
import { type IidResult, requireUpTo64 } from "./result.js";

/** Input to {@link eui64Iid}. */
export interface Eui64Input {
  /** The prefix, /64 or shorter. */
  readonly prefix: Prefix;
  /** A 6-byte MAC (EUI-48) or an 8-byte EUI-64. */
  readonly mac: Uint8Array;
}

/**
 * The Modified EUI-64 identifier of RFC 4291 Appendix A: the MAC with `ff:fe` in the middle and
 * the universal/local bit flipped. For interoperability only: it exposes the MAC (so it tracks a
 * container across networks) and RFC 8064 recommends against it; prefer rfc7217. There is no DAD
 * counter, so a conflict or a reserved result cannot be retried.
 *
 * @throws {@link IidInputError} for a MAC that is not 6 or 8 bytes or a prefix longer than /64;
 * {@link IidExhaustedError} when the result is a reserved identifier.
 * @example
 * ```ts
 * eui64Iid({ prefix: Prefix.parse("2001:db8::/64"), mac: parseHardwareAddress("12:34:56:78:9a:bc") })
 *   .address.toString(); // "2001:db8::1034:56ff:fe78:9abc"
 * ```
 */
export function eui64Iid(input: Eui64Input): IidResult {
  requireUpTo64(input.prefix, "eui64");
  const { mac } = input;
  let iid: Uint8Array;
  if (mac.length === 6)
    iid = Uint8Array.of(mac[0] ?? 0, mac[1] ?? 0, mac[2] ?? 0, 0xff, 0xfe, mac[3] ?? 0, mac[4] ?? 0, mac[5] ?? 0);
  else if (mac.length === 8) iid = Uint8Array.from(mac);
  else throw new IidInputError("HWADDR_INVALID", "EUI-64 needs a 6-byte MAC or an 8-byte EUI-64");
  iid[0] = (iid[0] ?? 0) ^ 0x02;
  if (isReservedIid(iid)) {
    throw new IidExhaustedError(`the EUI-64 identifier of this MAC is reserved; use rfc7217 instead`);
  }
  return { iid, dadCounter: 0, address: input.prefix.withIid(iid) };
}
