import { NdpDecodeError, NdpEncodeError } from "./errors.js";
import { decodePio, encodePio, type Pio } from "./pio.js";
import { checkField, concatBytes, maxOf, viewOf } from "./wire.js";

/**
 * The option type numbers this codec understands (RFC 4861 §4.6, RFC 3971 §5.3.2). Others are
 * kept as {@link RawOption}.
 *
 * @example
 * ```ts
 * encodeOptions([{ kind: "raw", type: NDP_OPTION_TYPE.mtu, data: new Uint8Array(6) }]);
 * ```
 */
export const NDP_OPTION_TYPE = Object.freeze({
  sourceLinkLayerAddress: 1,
  targetLinkLayerAddress: 2,
  prefixInformation: 3,
  mtu: 5,
  nonce: 14,
} as const);

/**
 * Source Link-Layer Address option (type 1). The address fills the option, so its length plus 2
 * must be a multiple of 8: 6 bytes for Ethernet; other link types pad as their specs say.
 *
 * @example
 * ```ts
 * const slla: SllaOption = { kind: "slla", linkLayerAddress: Uint8Array.of(2, 0, 0, 0, 0, 1) };
 * ```
 */
export interface SllaOption {
  /** Discriminant. */
  readonly kind: "slla";
  /** The link-layer address bytes, including any link-specific padding. */
  readonly linkLayerAddress: Uint8Array;
}

/**
 * Target Link-Layer Address option (type 2); same layout as {@link SllaOption}.
 *
 * @example
 * ```ts
 * const tlla: TllaOption = { kind: "tlla", linkLayerAddress: Uint8Array.of(2, 0, 0, 0, 0, 2) };
 * ```
 */
export interface TllaOption {
  /** Discriminant. */
  readonly kind: "tlla";
  /** The link-layer address bytes, including any link-specific padding. */
  readonly linkLayerAddress: Uint8Array;
}

/**
 * Prefix Information option (type 3) inside a message; the fields are those of {@link Pio}.
 *
 * @example
 * ```ts
 * const option: PioOption = { kind: "pio", ...pio };
 * ```
 */
export interface PioOption extends Pio {
  /** Discriminant. */
  readonly kind: "pio";
}

/**
 * MTU option (type 5, RFC 4861 §4.6.4): the link MTU a router advertises.
 *
 * @example
 * ```ts
 * const mtu: MtuOption = { kind: "mtu", mtu: 1500 };
 * ```
 */
export interface MtuOption {
  /** Discriminant. */
  readonly kind: "mtu";
  /** The link MTU in octets (32 bits). */
  readonly mtu: number;
  /** The 16-bit reserved field; absent means 0, always set when decoded. */
  readonly reserved?: number;
}

/**
 * Nonce option (type 14, RFC 3971 §5.3.2), which Enhanced DAD (RFC 7527) puts in every DAD NS to
 * recognise its own looped-back probes. The nonce length plus 2 must be a multiple of 8: 6 bytes
 * is the usual (and the only size Linux reads).
 *
 * @example
 * ```ts
 * const nonce: NonceOption = { kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) };
 * ```
 */
export interface NonceOption {
  /** Discriminant. */
  readonly kind: "nonce";
  /** The nonce bytes (at least 6). */
  readonly nonce: Uint8Array;
}

/**
 * An option this codec does not interpret, kept as read so that it survives a round trip.
 * RFC 4861 says receivers MUST ignore unknown options, and validation does.
 *
 * @example
 * ```ts
 * // A Redirected Header option (type 4) with 6 reserved bytes and nothing else.
 * const raw: RawOption = { kind: "raw", type: 4, data: new Uint8Array(6) };
 * ```
 */
export interface RawOption {
  /** Discriminant; a numeric `type` could not narrow, since raw options carry any number. */
  readonly kind: "raw";
  /** The option type, 0 to 255. */
  readonly type: number;
  /** Everything after the type and length bytes. */
  readonly data: Uint8Array;
}

/**
 * Any NDP option, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const nonce = message.options.find((o) => o.kind === "nonce")?.nonce;
 * ```
 */
export type NdpOption = SllaOption | TllaOption | PioOption | MtuOption | NonceOption | RawOption;

/** Options are sized in 8-octet units held in one byte. */
const UNIT = 8;
const MAX_OPTION_SIZE = 255 * UNIT;

/**
 * The wire form of `options`, one after the other, as they follow an NDP message's fixed part.
 *
 * @throws {@link NdpEncodeError} when a field does not fit or option data has the wrong size.
 * @example
 * ```ts
 * encodeOptions([{ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) }]); // 8 bytes: 14, 1, 1..6
 * ```
 */
export function encodeOptions(options: readonly NdpOption[]): Uint8Array {
  return concatBytes(options.map(encodeOption));
}

function encodeOption(option: NdpOption): Uint8Array {
  switch (option.kind) {
    case "slla":
      return withHeader(NDP_OPTION_TYPE.sourceLinkLayerAddress, option.linkLayerAddress, "SLLA");
    case "tlla":
      return withHeader(NDP_OPTION_TYPE.targetLinkLayerAddress, option.linkLayerAddress, "TLLA");
    case "pio":
      return encodePio(option);
    case "mtu":
      return encodeMtu(option);
    case "nonce":
      return withHeader(NDP_OPTION_TYPE.nonce, option.nonce, "nonce");
    case "raw":
      return withHeader(checkField(option.type, maxOf(8), "option type"), option.data, `option type ${option.type}`);
  }
}

function encodeMtu(option: MtuOption): Uint8Array {
  const body = new Uint8Array(6);
  const view = viewOf(body);
  view.setUint16(0, checkField(option.reserved, maxOf(16), "MTU option reserved"));
  view.setUint32(2, checkField(option.mtu, maxOf(32), "MTU"));
  return withHeader(NDP_OPTION_TYPE.mtu, body, "MTU");
}

// Options carry no padding of their own: a body that does not end on an 8-octet boundary would
// decode to different bytes, so it is refused instead of silently padded.
function withHeader(type: number, body: Uint8Array, what: string): Uint8Array {
  const size = body.length + 2;
  if (size % UNIT !== 0 || size > MAX_OPTION_SIZE) {
    throw new NdpEncodeError(
      "OPTION_SIZE",
      `${what} data of ${body.length} bytes does not fill whole 8-octet units (6, 14, 22, ... up to 2038 bytes)`,
    );
  }
  const out = new Uint8Array(size);
  out[0] = type;
  out[1] = size / UNIT;
  out.set(body, 2);
  return out;
}

/**
 * Reads the options area of an NDP message (everything after the fixed part). Every length is
 * checked before it is used.
 *
 * @throws {@link NdpDecodeError} (OPTION_LENGTH_ZERO, OPTION_TRUNCATED or OPTION_MALFORMED).
 * @example
 * ```ts
 * decodeOptions(Uint8Array.of(14, 1, 1, 2, 3, 4, 5, 6)); // [{ kind: "nonce", nonce: 1..6 }]
 * ```
 */
export function decodeOptions(bytes: Uint8Array): readonly NdpOption[] {
  const out: NdpOption[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = optionSize(bytes, offset);
    out.push(decodeOption(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  return Object.freeze(out);
}

function optionSize(bytes: Uint8Array, offset: number): number {
  const units = bytes[offset + 1];
  if (units === undefined) {
    throw new NdpDecodeError("OPTION_TRUNCATED", `a lone byte at offset ${offset} where an option header should be`);
  }
  if (units === 0) {
    throw new NdpDecodeError("OPTION_LENGTH_ZERO", `the option at offset ${offset} has length 0`);
  }
  if (offset + units * UNIT > bytes.length) {
    throw new NdpDecodeError("OPTION_TRUNCATED", `the option at offset ${offset} runs past the end of the message`);
  }
  return units * UNIT;
}

// `option` is a whole option, header included, of a size already checked to be whole units.
function decodeOption(option: Uint8Array): NdpOption {
  const type = option[0] ?? 0;
  const body = option.slice(2);
  switch (type) {
    case NDP_OPTION_TYPE.sourceLinkLayerAddress:
      return Object.freeze({ kind: "slla", linkLayerAddress: body });
    case NDP_OPTION_TYPE.targetLinkLayerAddress:
      return Object.freeze({ kind: "tlla", linkLayerAddress: body });
    case NDP_OPTION_TYPE.prefixInformation:
      return Object.freeze({ kind: "pio", ...decodePio(option) });
    case NDP_OPTION_TYPE.mtu:
      return decodeMtu(option);
    case NDP_OPTION_TYPE.nonce:
      return Object.freeze({ kind: "nonce", nonce: body });
    default:
      return Object.freeze({ kind: "raw", type, data: body });
  }
}

function decodeMtu(option: Uint8Array): MtuOption {
  if (option.length !== UNIT) {
    throw new NdpDecodeError("OPTION_MALFORMED", `an MTU option is 8 bytes, got ${option.length}`);
  }
  const view = viewOf(option);
  return Object.freeze({ kind: "mtu", mtu: view.getUint32(4), reserved: view.getUint16(2) });
}
