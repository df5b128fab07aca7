import type { Prefix } from "../prefix.js";
import { highWordMask, lowWordMask, readWord } from "./words.js";

// RFC 5453 and the IANA "Reserved IPv6 Interface Identifiers" registry for 64-bit identifiers;
// RFC 4291 §2.6.1 and RFC 2526 for shorter host parts (prefixes longer than /64).

// The checks run once per generated identifier, so they work on the identifier as two 32-bit
// words, the form in which rfc7217's hash hands it over: a few integer comparisons.

/** The IANA Ethernet block 0200:5eff:fe00::/40 (`byte4` 0xff), or Linux's /39 (`byte4` 0xfe). */
function isEthernetBlock(high: number, low: number, byte4: number): boolean {
  return high === 0x02005eff && ((low >>> 24) & byte4) === 0xfe;
}

/** The RFC 2526 subnet anycast block fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff. */
function isSubnetAnycast64(high: number, low: number): boolean {
  return high === (0xfdffffff | 0) && low >>> 7 === 0x1ffffff;
}

/** Whether the low `hostBits` bits are among the 128 highest values: all above the low 7 are ones. */
function isTop128(high: number, low: number, hostBits: number): boolean {
  const highMask = highWordMask(hostBits);
  const lowMask = lowWordMask(hostBits);
  return (high & highMask) === highMask && ((low | 0x7f) & lowMask) === lowMask;
}

/**
 * {@link isReservedIid} for an identifier given as its big-endian high and low words.
 * @internal Not re-exported from the package.
 *
 * @example
 * ```ts
 * isReservedIidWords(0x02005eff, 0xfe005213 | 0, 64); // true
 * ```
 */
export function isReservedIidWords(high: number, low: number, hostBits: number): boolean {
  if ((high | low) === 0) return true;
  if (hostBits >= 64) return isEthernetBlock(high, low, 0xff) || isSubnetAnycast64(high, low);
  return isTop128(high, low, hostBits);
}

/**
 * Whether an 8-byte interface identifier is reserved in a prefix with `hostBits` host bits: for
 * 64 bits the IANA registry (subnet-router anycast `::`, `0200:5eff:fe00:0000/40` which holds
 * Proxy Mobile IPv6's `0200:5eff:fe00:5213`, and `fdff:ffff:ffff:ff80` to `ffff`); for shorter
 * host parts the all-zero subnet-router anycast and the highest 128 values (RFC 2526).
 *
 * @example
 * ```ts
 * isReservedIid(Uint8Array.of(2, 0, 0x5e, 0xff, 0xfe, 0, 0x52, 0x13), 64); // true
 * ```
 */
export function isReservedIid(iid: Uint8Array, hostBits = 64): boolean {
  return isReservedIidWords(readWord(iid, 0), readWord(iid, 4), hostBits);
}

/**
 * The Linux kernel's `ipv6_reserved_interfaceid`: like {@link isReservedIid} for 64 bits, but it
 * reserves a wider Ethernet block, `0200:5eff:fe00:0000` to `0200:5eff:ffff:ffff`.
 *
 * @example
 * ```ts
 * isLinuxReservedIid(Uint8Array.of(2, 0, 0x5e, 0xff, 0xff, 0, 0, 1)); // true (IANA: false)
 * ```
 */
export function isLinuxReservedIid(iid: Uint8Array): boolean {
  const high = readWord(iid, 0);
  const low = readWord(iid, 4);
  return (high | low) === 0 || isEthernetBlock(high, low, 0xfe) || isSubnetAnycast64(high, low);
}

/**
 * Whether `iid` is reserved for addresses in `prefix`; see {@link isReservedIid}.
 *
 * @example
 * ```ts
 * isReservedIn(Prefix.parse("2001:db8::/120"), Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xff)); // true
 * ```
 */
export function isReservedIn(prefix: Prefix, iid: Uint8Array): boolean {
  return isReservedIid(prefix.iidOf(prefix.withIid(iid)), prefix.hostBits);
}
