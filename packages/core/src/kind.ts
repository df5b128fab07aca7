import { samePrefix } from "./bytes.js";

/**
 * What an address (or a prefix) is for, after RFC 4291 §2.4 and the IANA special-purpose
 * registry. `reserved` is unicast space the IETF has not assigned (outside 2000::/3 and the
 * special blocks); `mixed` is only ever the kind of a prefix so short that it spans several kinds.
 */
export type AddressKind =
  | "unspecified"
  | "loopback"
  | "ipv4Mapped"
  | "ipv4Compatible"
  | "nat64"
  | "discard"
  | "documentation"
  | "linkLocal"
  | "siteLocal"
  | "uniqueLocal"
  | "multicast"
  | "globalUnicast"
  | "reserved"
  | "mixed";

interface Range {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly kind: AddressKind;
}

function range(head: number[], bits: number, kind: AddressKind): Range {
  const bytes = new Uint8Array(16);
  bytes.set(head);
  return { bytes, bits, kind };
}

// Most specific first, so the first range that matches decides.
const RANGES: readonly Range[] = [
  range([], 128, "unspecified"),
  range([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
  range([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, "ipv4Mapped"),
  range([0, 0x64, 0xff, 0x9b], 96, "nat64"),
  range([], 96, "ipv4Compatible"),
  range([1, 0], 64, "discard"),
  range([0, 0x64, 0xff, 0x9b, 0, 1], 48, "nat64"),
  range([0x20, 0x01, 0x0d, 0xb8], 32, "documentation"),
  range([0x3f, 0xff], 20, "documentation"),
  range([0xfe, 0x80], 10, "linkLocal"),
  range([0xfe, 0xc0], 10, "siteLocal"),
  range([0xff], 8, "multicast"),
  range([0xfc], 7, "uniqueLocal"),
  range([0x20], 3, "globalUnicast"),
];

/** The kind of the 128-bit address held by `bytes`. */
export function kindOfBytes(bytes: ArrayLike<number>): AddressKind {
  return kindOfPrefixBytes(bytes, 128);
}

/** The kind of the prefix `bytes`/`bits`: that of the most specific range holding all of it. */
export function kindOfPrefixBytes(bytes: ArrayLike<number>, bits: number): AddressKind {
  for (const r of RANGES) {
    if (r.bits <= bits && samePrefix(bytes, r.bytes, r.bits)) return r.kind;
  }
  const spansSpecial = RANGES.some((r) => r.bits > bits && samePrefix(bytes, r.bytes, bits));
  return spansSpecial ? "mixed" : "reserved";
}
