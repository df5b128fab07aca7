import { Address, addressBytes, adoptAddressBytes } from "./address.js";
import { bigIntToBytes, bytesToBigInt, compareBytes, maskBytes, samePrefix } from "./bytes.js";
import { PrefixParseError, PrefixUnhostableError, type UnhostableReason } from "./errors.js";
import { highWordMask, lowWordMask, readWord, writeWord } from "./iid/words.js";
import { type AddressKind, kindOfPrefixBytes } from "./kind.js";

/** Options for {@link Prefix.assertHostable}. */
export interface HostableOptions {
  /** Accept fe80::/10 prefixes; off by default, because link-local addresses do not route. */
  readonly allowLinkLocal?: boolean;
}

const LENGTH = /^(0|[1-9]\d{0,2})$/;

/**
 * The network bytes of a prefix, shared, not copied: for hot paths that only read them.
 * @internal Not re-exported from the package.
 */
export let prefixBytes: (prefix: Prefix) => Uint8Array;

/**
 * An IPv6 prefix: a masked network address and a length, immutable, in the spirit of Go's
 * `netip.Prefix`. It splits into subnets (a /48 into /64s, one per host) and names the addresses
 * of the containers it hosts.
 *
 * @example
 * ```ts
 * const site = Prefix.parse("2001:db8:100::/48");
 * site.count(64);               // 65536n
 * site.nth(64, 7).toString();   // "2001:db8:100:7::/64"
 * site.contains(Address.parse("2001:db8:100:7::1")); // true
 * ```
 */
export class Prefix {
  static {
    prefixBytes = (prefix) => prefix.#bytes;
  }

  readonly #bytes: Uint8Array;
  /** The prefix length, 0 to 128. */
  readonly bits: number;

  private constructor(bytes: Uint8Array, bits: number) {
    this.#bytes = bytes;
    this.bits = bits;
  }

  /**
   * Parses `address/length`. Host bits must be zero: `2001:db8::1/64` is rejected with a hint,
   * because it usually means an interface address was pasted where a network was wanted.
   *
   * @throws {@link PrefixParseError} with a reason.
   * @example
   * ```ts
   * Prefix.parse("2001:db8:1::/64").toString(); // "2001:db8:1::/64"
   * ```
   */
  static parse(text: string): Prefix {
    if (typeof text !== "string") throw new PrefixParseError(String(text), "expected a string");
    const slash = text.lastIndexOf("/");
    if (slash < 0) throw new PrefixParseError(text, "expected address/length, such as 2001:db8::/64");
    const lengthText = text.slice(slash + 1);
    if (!LENGTH.test(lengthText) || Number(lengthText) > 128) {
      throw new PrefixParseError(text, "the length after / must be 0 to 128, without leading zeros");
    }
    let address: Address;
    try {
      address = Address.parse(text.slice(0, slash));
    } catch (e) {
      throw new PrefixParseError(text, e instanceof Error ? e.message : String(e));
    }
    if (address.zone !== undefined) throw new PrefixParseError(text, "a prefix has no zone");
    const prefix = Prefix.from(address, Number(lengthText));
    if (!prefix.address.equals(address)) {
      throw new PrefixParseError(text, `host bits are set; did you mean ${prefix}?`);
    }
    return prefix;
  }

  /**
   * The prefix of length `bits` that holds `address` (host bits cleared, zone dropped).
   *
   * @throws {@link PrefixParseError} unless `bits` is an integer from 0 to 128.
   * @example
   * ```ts
   * Prefix.from(Address.parse("2001:db8::1"), 64).toString(); // "2001:db8::/64"
   * ```
   */
  static from(address: Address, bits: number): Prefix {
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) {
      throw new PrefixParseError(`${address}/${bits}`, "the length must be an integer from 0 to 128");
    }
    return new Prefix(maskBytes(address.toBytes(), bits), bits);
  }

  /**
   * The network address (all host bits zero).
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/32").address.toString(); // "2001:db8::"
   * ```
   */
  get address(): Address {
    return Address.fromBytes(this.#bytes);
  }

  /**
   * How many low bits of a container's address the interface identifier fills: 64 for a /64 or
   * shorter prefix (shorter prefixes use their first /64, as SLAAC does), `128 - bits` for a
   * longer one.
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/80").hostBits; // 48
   * ```
   */
  get hostBits(): number {
    return Math.min(64, 128 - this.bits);
  }

  /**
   * What the prefix is for: the kind of the most specific special range that holds all of it,
   * or `mixed` when it spans several.
   *
   * @example
   * ```ts
   * Prefix.parse("fd12:3456:789a::/48").kind; // "uniqueLocal"
   * ```
   */
  get kind(): AddressKind {
    return kindOfPrefixBytes(this.#bytes, this.bits);
  }

  /**
   * Whether `address` (its zone ignored) lies inside the prefix.
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/32").contains(Address.parse("2001:db8:ffff::1")); // true
   * ```
   */
  contains(address: Address): boolean {
    return samePrefix(this.#bytes, addressBytes(address), this.bits);
  }

  /**
   * Whether `other` is this prefix or lies inside it.
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/32").covers(Prefix.parse("2001:db8:1::/64")); // true
   * ```
   */
  covers(other: Prefix): boolean {
    return other.bits >= this.bits && samePrefix(this.#bytes, other.#bytes, this.bits);
  }

  /**
   * Why this prefix cannot host containers, or undefined when it can. See
   * {@link Prefix.assertHostable}.
   *
   * @example
   * ```ts
   * Prefix.parse("ff02::/64").unhostableReason(); // "PREFIX_MULTICAST"
   * ```
   */
  unhostableReason(options: HostableOptions = {}): UnhostableReason | undefined {
    return this.#unhostable(options)?.[0];
  }

  /**
   * Returns this prefix if containers can get addresses in it, else throws. Unicast prefixes up
   * to /64 get a 64-bit interface identifier; /65 to /120 get a shorter one (see the birthday
   * table in docs/concepts.md); /121 to /128, multicast, loopback, unspecified, IPv4-mapped and
   * other non-unicast blocks are rejected, and link-local unless `allowLinkLocal` is set.
   *
   * @throws {@link PrefixUnhostableError} whose `code` names the reason.
   * @example
   * ```ts
   * Prefix.parse("2001:db8:1::/64").assertHostable(); // returns the prefix
   * Prefix.parse("2001:db8::/124").assertHostable();  // throws, code PREFIX_TOO_LONG
   * ```
   */
  assertHostable(options: HostableOptions = {}): this {
    const problem = this.#unhostable(options);
    if (problem) throw new PrefixUnhostableError(this.toString(), problem[0], problem[1]);
    return this;
  }

  #unhostable(options: HostableOptions): [UnhostableReason, string] | undefined {
    switch (this.kind) {
      case "multicast":
        return ["PREFIX_MULTICAST", "multicast addresses name groups, not hosts; use a unicast prefix"];
      case "loopback":
        return ["PREFIX_LOOPBACK", "::1 never leaves the host; use the prefix your router advertises"];
      case "unspecified":
        return ["PREFIX_UNSPECIFIED", ":: is the unspecified address; use a unicast prefix"];
      case "ipv4Mapped":
        return ["PREFIX_IPV4_MAPPED", "::ffff:0:0/96 stands for IPv4 peers; use a native IPv6 prefix"];
      case "linkLocal":
        if (options.allowLinkLocal) break;
        return [
          "PREFIX_LINK_LOCAL",
          "link-local addresses do not route; use a global or ULA prefix, or allow link-local",
        ];
      case "ipv4Compatible":
      case "nat64":
      case "discard":
      case "mixed":
        return ["PREFIX_NOT_UNICAST", `${this.kind} space is not for hosts; use a global or ULA prefix`];
      default:
        break;
    }
    if (this.bits > 120) {
      return ["PREFIX_TOO_LONG", "it leaves fewer than 8 host bits; use a /64 (or at most a /120)"];
    }
    return undefined;
  }

  /**
   * How many subnets of length `length` this prefix splits into.
   *
   * @throws {@link PrefixParseError} unless `bits <= length <= 128`.
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/56").count(64); // 256n
   * ```
   */
  count(length: number): bigint {
    this.#checkSplit(length);
    return 1n << BigInt(length - this.bits);
  }

  /**
   * The `index`-th (from 0) subnet of length `length`.
   *
   * @throws {@link PrefixParseError} when the length or the index is out of range.
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/48").nth(64, 0xff).toString(); // "2001:db8:0:ff::/64"
   * ```
   */
  nth(length: number, index: bigint | number): Prefix {
    const total = this.count(length);
    const i = BigInt(index);
    if (i < 0n || i >= total) {
      throw new PrefixParseError(`${this}`, `subnet index ${i} is outside 0..${total - 1n} for /${length}`);
    }
    const base = bytesToBigInt(this.#bytes);
    return new Prefix(bigIntToBytes(base + (i << BigInt(128 - length)), 16), length);
  }

  /**
   * Every subnet of length `length`, in order. Lazy, so a /32 split into /64s is fine to start.
   *
   * @example
   * ```ts
   * [...Prefix.parse("2001:db8::/63").subnets(64)].map(String); // ["2001:db8::/64", "2001:db8:0:1::/64"]
   * ```
   */
  *subnets(length: number): Generator<Prefix> {
    const total = this.count(length);
    for (let i = 0n; i < total; i++) yield this.nth(length, i);
  }

  #checkSplit(length: number): void {
    if (!Number.isInteger(length) || length < this.bits || length > 128) {
      throw new PrefixParseError(`${this}`, `cannot split into /${length}; choose ${this.bits} to 128`);
    }
  }

  /**
   * The address made of this prefix and the low {@link Prefix.hostBits} bits of an 8-byte
   * interface identifier (the rest of the identifier is ignored).
   *
   * @example
   * ```ts
   * const iid = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x42);
   * Prefix.parse("2001:db8::/64").withIid(iid).toString(); // "2001:db8::42"
   * ```
   */
  withIid(iid: Uint8Array): Address {
    const hostBits = this.hostBits;
    return addressWithIidWords(
      this,
      readWord(iid, 0) & highWordMask(hostBits),
      readWord(iid, 4) & lowWordMask(hostBits),
    );
  }

  /**
   * The host part of `address` in this prefix as 8 bytes (the inverse of {@link Prefix.withIid}).
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/64").iidOf(Address.parse("2001:db8::42"))[7]; // 0x42
   * ```
   */
  iidOf(address: Address): Uint8Array {
    return this.maskIid(address.toBytes().subarray(8));
  }

  /**
   * A copy of an 8-byte identifier with only its low {@link Prefix.hostBits} bits kept.
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/120").maskIid(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))[7]; // 8, the rest 0
   * ```
   */
  maskIid(iid: Uint8Array): Uint8Array {
    const out = new Uint8Array(8);
    writeWord(out, 0, readWord(iid, 0) & highWordMask(this.hostBits));
    writeWord(out, 4, readWord(iid, 4) & lowWordMask(this.hostBits));
    return out;
  }

  /**
   * Whether both prefixes have the same network and length.
   *
   * @example
   * ```ts
   * Prefix.parse("2001:db8::/64").equals(Prefix.parse("2001:0db8::/64")); // true
   * ```
   */
  equals(other: Prefix): boolean {
    return this.bits === other.bits && compareBytes(this.#bytes, other.#bytes) === 0;
  }

  /**
   * Orders by network address, then by length (shorter first).
   *
   * @example
   * ```ts
   * prefixes.sort((a, b) => a.compare(b));
   * ```
   */
  compare(other: Prefix): -1 | 0 | 1 {
    const byBytes = compareBytes(this.#bytes, other.#bytes);
    if (byBytes !== 0) return byBytes;
    return this.bits === other.bits ? 0 : this.bits < other.bits ? -1 : 1;
  }

  /**
   * RFC 5952 network address, a slash and the length.
   *
   * @example
   * ```ts
   * String(Prefix.parse("2001:DB8::/32")); // "2001:db8::/32"
   * ```
   */
  toString(): string {
    return `${this.address}/${this.bits}`;
  }

  /** CIDR text, so that JSON.stringify gives the usual form. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * The address of `prefix` whose host part holds an identifier given as its big-endian high and
 * low words, already masked to the prefix's host bits: the form rfc7217's hash hands it over in.
 * @internal Not re-exported from the package.
 *
 * @example
 * ```ts
 * addressWithIidWords(Prefix.parse("2001:db8::/64"), 0, 0x42).toString(); // "2001:db8::42"
 * ```
 */
export function addressWithIidWords(prefix: Prefix, high: number, low: number): Address {
  const n = prefixBytes(prefix);
  // One literal, which V8 allocates at its final size: a loop filling new Array(16) made this
  // cost twice as much, and it runs once per generated identifier. A prefix's host bits are
  // zero, so the identifier goes in with an OR.
  return adoptAddressBytes([
    n[0] ?? 0,
    n[1] ?? 0,
    n[2] ?? 0,
    n[3] ?? 0,
    n[4] ?? 0,
    n[5] ?? 0,
    n[6] ?? 0,
    n[7] ?? 0,
    (n[8] ?? 0) | (high >>> 24),
    (n[9] ?? 0) | ((high >>> 16) & 0xff),
    (n[10] ?? 0) | ((high >>> 8) & 0xff),
    (n[11] ?? 0) | (high & 0xff),
    (n[12] ?? 0) | (low >>> 24),
    (n[13] ?? 0) | ((low >>> 16) & 0xff),
    (n[14] ?? 0) | ((low >>> 8) & 0xff),
    (n[15] ?? 0) | (low & 0xff),
  ]);
}
