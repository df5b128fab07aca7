import { compareBytes } from "./bytes.js";
import { AddressParseError } from "./errors.js";
import { type AddressKind, kindOfBytes } from "./kind.js";
import { formatAddress, parseAddressText } from "./text.js";

/**
 * Wraps 16 bytes the caller hands over and never touches again, without the copy and checks of
 * {@link Address.fromBytes}: the identifier generators make one address per call.
 * @internal Not re-exported from the package.
 */
export let adoptAddressBytes: (bytes: readonly number[]) => Address;

/**
 * The bytes of an address, shared, not copied: for hot paths that only read them.
 * @internal Not re-exported from the package.
 */
export let addressBytes: (address: Address) => readonly number[];

/**
 * An IPv6 address, optionally with a zone: an immutable value in the spirit of Go's `netip.Addr`.
 * Compare with {@link Address.equals} or {@link Address.compare}; {@link Address.toString} gives
 * RFC 5952 text, which is also a good map key.
 *
 * @example
 * ```ts
 * const a = Address.parse("2001:DB8:0:0:0:0:0:A");
 * a.toString();            // "2001:db8::a"
 * a.kind;                  // "documentation"
 * a.equals(Address.parse("2001:db8::a")); // true
 * ```
 */
export class Address {
  static {
    adoptAddressBytes = (bytes) => new Address(bytes, undefined);
    addressBytes = (address) => address.#bytes;
  }

  // A plain array of sixteen small integers rather than a Uint8Array: V8 allocates it inline,
  // where a typed array goes through a builtin that makes three objects, and generating an
  // address spent more time there than in all but the hash.
  readonly #bytes: readonly number[];
  /** The RFC 4007 zone (`eth0` in `fe80::1%eth0`), or undefined. */
  readonly zone: string | undefined;

  private constructor(bytes: readonly number[], zone: string | undefined) {
    this.#bytes = bytes;
    this.zone = zone;
  }

  /**
   * Parses IPv6 text. Stricter than ipaddr.js where it is lax: embedded IPv4 octets must be
   * decimal without leading zeros, and `::1.2.3.4` stays IPv4-compatible (it is not rewritten to
   * `::ffff:1.2.3.4`). Zones may hold any characters but `%`, `/` and white space.
   *
   * @throws {@link AddressParseError} with a reason.
   * @example
   * ```ts
   * Address.parse("fe80::1%eth0.100").zone; // "eth0.100"
   * ```
   */
  static parse(text: string): Address {
    const { bytes, zone } = parseAddressText(text);
    return new Address(bytes, zone);
  }

  /**
   * The address whose 16 network-order bytes are `bytes` (copied).
   *
   * @throws {@link AddressParseError} unless there are exactly 16 byte values.
   * @example
   * ```ts
   * Address.fromBytes(new Uint8Array(16)).toString(); // "::"
   * ```
   */
  static fromBytes(bytes: ArrayLike<number>, zone?: string): Address {
    const ok = bytes.length === 16 && (bytes instanceof Uint8Array || Array.from(bytes).every(isByte));
    if (!ok) throw new AddressParseError(`${bytes.length} bytes`, "an IPv6 address is 16 bytes of 0-255");
    return new Address(Array.from(bytes), zone);
  }

  /**
   * A copy of the 16 network-order bytes.
   *
   * @example
   * ```ts
   * Address.parse("::1").toBytes()[15]; // 1
   * ```
   */
  toBytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  /**
   * What the address is for (global unicast, ULA, link-local, multicast, documentation, ...).
   *
   * @example
   * ```ts
   * Address.parse("fd00::1").kind; // "uniqueLocal"
   * ```
   */
  get kind(): AddressKind {
    return kindOfBytes(this.#bytes);
  }

  /**
   * The same address with another zone (undefined removes it).
   *
   * @example
   * ```ts
   * Address.parse("fe80::1").withZone("eth0").toString(); // "fe80::1%eth0"
   * ```
   */
  withZone(zone: string | undefined): Address {
    return new Address(this.#bytes, zone);
  }

  /**
   * Whether both the bytes and the zone are equal.
   *
   * @example
   * ```ts
   * Address.parse("2001:db8::1").equals(Address.parse("2001:0db8::0001")); // true
   * ```
   */
  equals(other: Address): boolean {
    return this.zone === other.zone && compareBytes(this.#bytes, other.#bytes) === 0;
  }

  /**
   * Orders by bytes, then by zone (no zone first).
   *
   * @example
   * ```ts
   * [b, a].sort((x, y) => x.compare(y));
   * ```
   */
  compare(other: Address): -1 | 0 | 1 {
    const byBytes = compareBytes(this.#bytes, other.#bytes);
    if (byBytes !== 0 || this.zone === other.zone) return byBytes;
    if (this.zone === undefined) return -1;
    if (other.zone === undefined) return 1;
    return this.zone < other.zone ? -1 : 1;
  }

  /**
   * RFC 5952 text, with `%zone` when there is one.
   *
   * @example
   * ```ts
   * Address.parse("2001:db8:0:0:1:0:0:1").toString(); // "2001:db8::1:0:0:1"
   * ```
   */
  toString(): string {
    return formatAddress(this.#bytes, this.zone);
  }

  /** RFC 5952 text, so that JSON.stringify gives the usual form. */
  toJSON(): string {
    return this.toString();
  }
}

function isByte(b: number): boolean {
  return Number.isInteger(b) && b >= 0 && b <= 255;
}
