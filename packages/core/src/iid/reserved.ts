import type { Prefix } from "../prefix.js";

// RFC 5453 and the IANA "Reserved IPv6 Interface Identifiers" registry for 64-bit identifiers;
// RFC 4291 §2.6.1 and RFC 2526 for shorter host parts (prefixes longer than /64).

// The checks run once per generated identifier, so they are loops over module constants rather
// than array callbacks and literals made on every call.

const SUBNET_ANYCAST_HEAD = [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const IANA_BYTE4 = [0xfe];
const LINUX_BYTE4 = [0xfe, 0xff];

function isZero(iid: Uint8Array): boolean {
  for (let i = 0; i < iid.length; i++) if (iid[i] !== 0) return false;
  return true;
}

/** The RFC 2526 subnet anycast block fdff:ffff:ffff:ff80 to fdff:ffff:ffff:ffff. */
function isSubnetAnycast64(iid: Uint8Array): boolean {
  for (let i = 0; i < SUBNET_ANYCAST_HEAD.length; i++) if (iid[i] !== SUBNET_ANYCAST_HEAD[i]) return false;
  return (iid[7] ?? 0) >= 0x80;
}

/** Whether the top 32 bits are 0200:5eff and byte 4 is one of `byte4` (the IANA Ethernet block). */
function isIanaEthernet(iid: Uint8Array, byte4: readonly number[]): boolean {
  return iid[0] === 0x02 && iid[1] === 0x00 && iid[2] === 0x5e && iid[3] === 0xff && byte4.includes(iid[4] ?? -1);
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
  if (isZero(iid)) return true;
  if (hostBits >= 64) return isIanaEthernet(iid, IANA_BYTE4) || isSubnetAnycast64(iid);
  return isTop128(iid, hostBits);
}

/** Whether the low `hostBits` bits of `iid` are among the 128 highest values. */
function isTop128(iid: Uint8Array, hostBits: number): boolean {
  // All host bits above the low 7 must be ones.
  for (let bit = 7; bit < hostBits; bit++) {
    const byte = 7 - (bit >> 3);
    if (((iid[byte] ?? 0) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
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
  return isZero(iid) || isIanaEthernet(iid, LINUX_BYTE4) || isSubnetAnycast64(iid);
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
