import { Own6Error } from "../errors.js";

/**
 * Why bytes are not an NDP message this codec can read. Each names the first problem found.
 *
 * - `TOO_SHORT`: shorter than the fixed part of its ICMPv6 type (RFC 4861 §6.1, §7.1).
 * - `UNKNOWN_TYPE`: not an RS (133), RA (134), NS (135) or NA (136).
 * - `BAD_CHECKSUM`: the ICMPv6 checksum over the pseudo-header does not add up.
 * - `OPTION_LENGTH_ZERO`: an option with length 0, which RFC 4861 says to drop the packet for.
 * - `OPTION_TRUNCATED`: an option runs past the end of the message.
 * - `OPTION_MALFORMED`: a known option whose fixed size or fields are wrong (a PIO that is not 32
 *   bytes or has a prefix length over 128, an MTU option that is not 8 bytes).
 *
 * @example
 * ```ts
 * const reason: NdpDecodeReason = "OPTION_LENGTH_ZERO";
 * ```
 */
export type NdpDecodeReason =
  | "TOO_SHORT"
  | "UNKNOWN_TYPE"
  | "BAD_CHECKSUM"
  | "OPTION_LENGTH_ZERO"
  | "OPTION_TRUNCATED"
  | "OPTION_MALFORMED";

/**
 * Bytes that do not decode as an NDP message, option or PIO. The only error the decoders throw,
 * whatever they are fed, so a packet capture loop needs a single `catch`.
 *
 * @example
 * ```ts
 * try {
 *   decodeNdp(Uint8Array.of(135, 0));
 * } catch (e) {
 *   if (e instanceof NdpDecodeError) e.reason; // "TOO_SHORT"
 * }
 * ```
 */
export class NdpDecodeError extends Own6Error {
  /** The specific problem; the `code` is always `NDP_INVALID`. */
  readonly reason: NdpDecodeReason;

  constructor(reason: NdpDecodeReason, message: string) {
    super("NDP_INVALID", message);
    this.reason = reason;
  }
}

/**
 * Why a message or option value cannot be written to the wire.
 *
 * - `FIELD_OUT_OF_RANGE`: a number is not an integer that fits its field.
 * - `OPTION_SIZE`: option data that does not make the option a multiple of 8 octets (at most
 *   2040), such as a 5-byte link-layer address or a 4-byte nonce.
 * - `UNKNOWN_TYPE`: a message whose `type` is not 133 to 136.
 *
 * @example
 * ```ts
 * if (e instanceof NdpEncodeError && e.reason === "OPTION_SIZE") padLinkLayerAddress();
 * ```
 */
export type NdpEncodeReason = "FIELD_OUT_OF_RANGE" | "OPTION_SIZE" | "UNKNOWN_TYPE";

/**
 * A message or option value that cannot be encoded as given. Encoding refuses rather than
 * truncating, because a silently clipped lifetime or padded address would advertise something
 * the caller never meant.
 *
 * @example
 * ```ts
 * encodeOptions([{ kind: "nonce", nonce: new Uint8Array(4) }]); // throws, reason OPTION_SIZE
 * ```
 */
export class NdpEncodeError extends Own6Error {
  /** The specific problem; the `code` is always `NDP_UNENCODABLE`. */
  readonly reason: NdpEncodeReason;

  constructor(reason: NdpEncodeReason, message: string) {
    super("NDP_UNENCODABLE", message);
    this.reason = reason;
  }
}
