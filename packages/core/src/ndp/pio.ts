import { Address } from "../address.js";
import { Prefix } from "../prefix.js";
import { NdpDecodeError } from "./errors.js";
import { checkField, maxOf, viewOf } from "./wire.js";

/**
 * The lifetime that never runs out: `0xFFFFFFFF` seconds in a PIO (RFC 4861 §4.6.2).
 *
 * @example
 * ```ts
 * pio.validLifetime === INFINITE_LIFETIME; // the prefix stays valid until readvertised
 * ```
 */
export const INFINITE_LIFETIME = 0xffffffff;

/** The size of a Prefix Information option: type 3, length 4 (units of 8 octets). */
const PIO_SIZE = 32;
const PIO_TYPE = 3;
const PIO_UNITS = 4;
const FLAG_L = 0x80;
const FLAG_A = 0x40;
const FLAG_R = 0x20;
const FLAG_P = 0x10;
const RESERVED_FLAGS = 0x0f;

/**
 * A Prefix Information option (RFC 4861 §4.6.2) as a plain value. Fields the RFCs reserve are
 * kept, so decoding then encoding gives back the same 32 bytes; they are optional when building
 * one (absent means 0) and always set by {@link decodePio}.
 *
 * @example
 * ```ts
 * const pio: Pio = {
 *   prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, pdPreferred: false,
 *   validLifetime: 2592000, preferredLifetime: 604800, prefix: Address.parse("2001:db8:1::"),
 * };
 * ```
 */
export interface Pio {
  /** Significant leading bits of `prefix`, 0 to 128. */
  readonly prefixLength: number;
  /** L (0x80): the prefix is on-link. */
  readonly onLink: boolean;
  /** A (0x40): the prefix may be used for SLAAC. */
  readonly autonomous: boolean;
  /** R (0x20, RFC 6275 §7.2): `prefix` is the router's full address (Mobile IPv6). */
  readonly routerAddress: boolean;
  /** P (0x10, RFC 9762): the network prefers hosts to use DHCPv6 prefix delegation. */
  readonly pdPreferred: boolean;
  /** The four low flag bits (0 to 15), reserved today. */
  readonly reservedFlags?: number;
  /** Seconds the prefix stays valid, {@link INFINITE_LIFETIME} for ever. */
  readonly validLifetime: number;
  /** Seconds addresses in it stay preferred; receivers ignore a PIO where this exceeds valid. */
  readonly preferredLifetime: number;
  /** The 32-bit Reserved2 field. */
  readonly reserved2?: number;
  /** The prefix as sent; bits after `prefixLength` may be set and receivers must ignore them. */
  readonly prefix: Address;
}

/**
 * The 32 bytes of a Prefix Information option. `prefix` is written as given (its zone dropped):
 * senders must clear the bits after the length, and {@link pioPrefix} gives a masked one.
 *
 * @throws {@link NdpEncodeError} (FIELD_OUT_OF_RANGE) when a number does not fit its field.
 * @example
 * ```ts
 * encodePio(pio).length; // 32
 * ```
 */
export function encodePio(pio: Pio): Uint8Array {
  const out = new Uint8Array(PIO_SIZE);
  const view = viewOf(out);
  out[0] = PIO_TYPE;
  out[1] = PIO_UNITS;
  out[2] = checkField(pio.prefixLength, 128, "PIO prefix length");
  out[3] = flagsByte(pio);
  view.setUint32(4, checkField(pio.validLifetime, maxOf(32), "PIO valid lifetime"));
  view.setUint32(8, checkField(pio.preferredLifetime, maxOf(32), "PIO preferred lifetime"));
  view.setUint32(12, checkField(pio.reserved2, maxOf(32), "PIO reserved2"));
  out.set(pio.prefix.toBytes(), 16);
  return out;
}

function flagsByte(pio: Pio): number {
  const rest = checkField(pio.reservedFlags, RESERVED_FLAGS, "PIO reserved flags");
  return (
    (pio.onLink ? FLAG_L : 0) |
    (pio.autonomous ? FLAG_A : 0) |
    (pio.routerAddress ? FLAG_R : 0) |
    (pio.pdPreferred ? FLAG_P : 0) |
    rest
  );
}

/**
 * Reads a 32-byte Prefix Information option (type and length bytes included).
 *
 * @throws {@link NdpDecodeError} (OPTION_MALFORMED) unless `bytes` is 32 bytes of type 3,
 * length 4, with a prefix length of at most 128.
 * @example
 * ```ts
 * decodePio(encodePio(pio)).validLifetime === pio.validLifetime; // true
 * ```
 */
export function decodePio(bytes: Uint8Array): Pio {
  if (bytes.length !== PIO_SIZE || bytes[0] !== PIO_TYPE || bytes[1] !== PIO_UNITS) {
    throw new NdpDecodeError("OPTION_MALFORMED", "a Prefix Information option is 32 bytes: type 3, length 4");
  }
  const view = viewOf(bytes);
  const prefixLength = view.getUint8(2);
  if (prefixLength > 128) {
    throw new NdpDecodeError("OPTION_MALFORMED", `PIO prefix length ${prefixLength} is over 128`);
  }
  const flags = view.getUint8(3);
  return Object.freeze({
    prefixLength,
    onLink: (flags & FLAG_L) !== 0,
    autonomous: (flags & FLAG_A) !== 0,
    routerAddress: (flags & FLAG_R) !== 0,
    pdPreferred: (flags & FLAG_P) !== 0,
    reservedFlags: flags & RESERVED_FLAGS,
    validLifetime: view.getUint32(4),
    preferredLifetime: view.getUint32(8),
    reserved2: view.getUint32(12),
    prefix: Address.fromBytes(bytes.subarray(16, 32)),
  });
}

/**
 * The advertised prefix with the bits after its length cleared, since RFC 4861 §4.6.2 tells
 * receivers to ignore them.
 *
 * @throws {@link PrefixParseError} when `prefixLength` is not 0 to 128 (never for decoded PIOs).
 * @example
 * ```ts
 * pioPrefix({ ...pio, prefix: Address.parse("2001:db8:1::ff"), prefixLength: 64 }).toString(); // "2001:db8:1::/64"
 * ```
 */
export function pioPrefix(pio: Pio): Prefix {
  return Prefix.from(pio.prefix.withZone(undefined), pio.prefixLength);
}
