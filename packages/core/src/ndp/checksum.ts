import type { Address } from "../address.js";

/**
 * The IPv6 source and destination of a packet. ICMPv6 checksums cover them (through the
 * pseudo-header), so the codec cannot write or verify a message without them. Zones are ignored.
 *
 * @example
 * ```ts
 * const pair: AddressPair = { source: Address.parse("::"), destination: Address.parse("ff02::1:ff00:2") };
 * ```
 */
export interface AddressPair {
  /** The IPv6 source address. */
  readonly source: Address;
  /** The IPv6 destination address. */
  readonly destination: Address;
}

const ICMPV6_NEXT_HEADER = 58;
const CHECKSUM_OFFSET = 2;

/**
 * The RFC 4443 §2.3 checksum of an ICMPv6 `message` sent from `source` to `destination`: the
 * one's complement of the one's complement sum of the IPv6 pseudo-header (RFC 8200 §8.1) and the
 * message. Bytes 2-3 (where the checksum goes) count as zero whatever they hold, so this both
 * fills in a new message and recomputes an old one.
 *
 * @example
 * ```ts
 * const bytes = encodeNdp(ns, pair);
 * icmpv6Checksum(bytes, pair) === ((bytes[2] << 8) | bytes[3]); // true
 * ```
 */
export function icmpv6Checksum(message: Uint8Array, pair: AddressPair): number {
  const sum = pseudoHeaderSum(message.length, pair) + wordSum(message, true);
  return ~fold(sum) & 0xffff;
}

/**
 * Whether the checksum in bytes 2-3 of `message` is right for `source` and `destination`. It
 * sums everything, checksum included, as receivers do (RFC 1071), so `0xffff` and `0` are both
 * accepted where one's complement arithmetic cannot tell them apart.
 *
 * @example
 * ```ts
 * verifyIcmpv6Checksum(encodeNdp(ns, pair), pair); // true
 * ```
 */
export function verifyIcmpv6Checksum(message: Uint8Array, pair: AddressPair): boolean {
  return fold(pseudoHeaderSum(message.length, pair) + wordSum(message, false)) === 0xffff;
}

// Source, destination, 32-bit upper-layer length, three zero bytes and next header 58.
function pseudoHeaderSum(length: number, pair: AddressPair): number {
  const lengthWords = Math.floor(length / 0x10000) + (length % 0x10000);
  return (
    wordSum(pair.source.toBytes(), false) +
    wordSum(pair.destination.toBytes(), false) +
    lengthWords +
    ICMPV6_NEXT_HEADER
  );
}

// Sums 16-bit big-endian words; an odd last byte is padded with zero (RFC 4443 §2.3). Plain
// numbers stay exact far beyond any IPv6 payload, so folding once at the end is enough.
function wordSum(bytes: Uint8Array, skipChecksum: boolean): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    if (skipChecksum && i === CHECKSUM_OFFSET) continue;
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  }
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}
