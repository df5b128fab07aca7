import { Address } from "../address.js";
import { type AddressPair, icmpv6Checksum, verifyIcmpv6Checksum } from "./checksum.js";
import { NdpDecodeError, NdpEncodeError } from "./errors.js";
import type {
  NdpMessage,
  NeighborAdvertisement,
  NeighborSolicitation,
  RouterAdvertisement,
  RouterSolicitation,
} from "./messages.js";
import { decodeOptions, encodeOptions } from "./options.js";
import { checkField, concatBytes, maxOf, requireLength, viewOf } from "./wire.js";

// Sizes of the fixed parts, before the options (RFC 4861 §4.1 to §4.4).
const RS_SIZE = 8;
const RA_SIZE = 16;
const NEIGHBOR_SIZE = 24;
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;
const FLAG_MANAGED = 0x80;
const FLAG_OTHER = 0x40;

/**
 * The ICMPv6 bytes of an NDP message, checksum filled in for the given IPv6 source and
 * destination (the checksum covers them, so the same message sent elsewhere needs encoding again).
 *
 * @throws {@link NdpEncodeError} when a field does not fit or option data has the wrong size.
 * @example
 * ```ts
 * const target = Address.parse("2001:db8::2");
 * const bytes = encodeNdp(
 *   { type: 135, target, options: [{ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) }] },
 *   { source: Address.parse("::"), destination: solicitedNodeAddress(target) },
 * );
 * ```
 */
export function encodeNdp(message: NdpMessage, pair: AddressPair): Uint8Array {
  const out = concatBytes([fixedPart(message), encodeOptions(message.options)]);
  viewOf(out).setUint16(2, icmpv6Checksum(out, pair));
  return out;
}

function fixedPart(message: NdpMessage): Uint8Array {
  switch (message.type) {
    case 133:
      return rsFixed(message);
    case 134:
      return raFixed(message);
    case 135:
      return nsFixed(message);
    case 136:
      return naFixed(message);
    default:
      throw new NdpEncodeError(
        "UNKNOWN_TYPE",
        `ICMPv6 type ${String((message as { type: unknown }).type)} is not RS, RA, NS or NA`,
      );
  }
}

// Type, code and a zero checksum; the caller fills in the rest.
function header(message: NdpMessage, size: number): [Uint8Array, DataView] {
  const out = new Uint8Array(size);
  out[0] = message.type;
  out[1] = checkField(message.code, maxOf(8), "ICMPv6 code");
  return [out, viewOf(out)];
}

function rsFixed(message: RouterSolicitation): Uint8Array {
  const [out, view] = header(message, RS_SIZE);
  view.setUint32(4, checkField(message.reserved, maxOf(32), "RS reserved"));
  return out;
}

function raFixed(message: RouterAdvertisement): Uint8Array {
  const [out, view] = header(message, RA_SIZE);
  const rest = checkField(message.reservedFlags, 0x3f, "RA reserved flags");
  out[4] = checkField(message.curHopLimit, maxOf(8), "RA current hop limit");
  out[5] = (message.managed ? FLAG_MANAGED : 0) | (message.otherConfig ? FLAG_OTHER : 0) | rest;
  view.setUint16(6, checkField(message.routerLifetime, maxOf(16), "RA router lifetime"));
  view.setUint32(8, checkField(message.reachableTime, maxOf(32), "RA reachable time"));
  view.setUint32(12, checkField(message.retransTimer, maxOf(32), "RA retrans timer"));
  return out;
}

function nsFixed(message: NeighborSolicitation): Uint8Array {
  const [out, view] = header(message, NEIGHBOR_SIZE);
  view.setUint32(4, checkField(message.reserved, maxOf(32), "NS reserved"));
  out.set(message.target.toBytes(), 8);
  return out;
}

function naFixed(message: NeighborAdvertisement): Uint8Array {
  const [out, view] = header(message, NEIGHBOR_SIZE);
  const flags =
    (message.router ? FLAG_ROUTER : 0) |
    (message.solicited ? FLAG_SOLICITED : 0) |
    (message.override ? FLAG_OVERRIDE : 0);
  // The flags share a 32-bit word with 29 reserved bits; `>>> 0` keeps the top bit unsigned.
  view.setUint32(4, ((flags << 24) | checkField(message.reserved, maxOf(29), "NA reserved")) >>> 0);
  out.set(message.target.toBytes(), 8);
  return out;
}

/**
 * Reads an NDP message from its ICMPv6 bytes (the IPv6 payload, from the type byte on). With the
 * IPv6 source and destination it also verifies the checksum; without them it cannot. It checks
 * lengths before every read, so any input either decodes or throws {@link NdpDecodeError}.
 * Semantic rules (hop limit, code 0, DAD addressing) are {@link validateNdp}'s job.
 *
 * @throws {@link NdpDecodeError} naming the first problem.
 * @example
 * ```ts
 * const m = decodeNdp(bytes, { source, destination });
 * if (m.type === 135 && m.target.equals(tentative)) duplicateProbeSeen(m);
 * ```
 */
export function decodeNdp(bytes: Uint8Array, pair?: AddressPair): NdpMessage {
  requireLength(bytes, 4, "an ICMPv6 message");
  if (pair !== undefined && !verifyIcmpv6Checksum(bytes, pair)) {
    throw new NdpDecodeError("BAD_CHECKSUM", `ICMPv6 checksum mismatch for ${pair.source} -> ${pair.destination}`);
  }
  switch (bytes[0]) {
    case 133:
      return decodeRs(bytes);
    case 134:
      return decodeRa(bytes);
    case 135:
      return decodeNs(bytes);
    case 136:
      return decodeNa(bytes);
    default:
      throw new NdpDecodeError("UNKNOWN_TYPE", `ICMPv6 type ${bytes[0]} is not RS, RA, NS or NA`);
  }
}

function decodeRs(bytes: Uint8Array): RouterSolicitation {
  requireLength(bytes, RS_SIZE, "a Router Solicitation");
  const view = viewOf(bytes);
  return Object.freeze({
    type: 133,
    code: view.getUint8(1),
    reserved: view.getUint32(4),
    options: decodeOptions(bytes.subarray(RS_SIZE)),
  });
}

function decodeRa(bytes: Uint8Array): RouterAdvertisement {
  requireLength(bytes, RA_SIZE, "a Router Advertisement");
  const view = viewOf(bytes);
  const flags = view.getUint8(5);
  return Object.freeze({
    type: 134,
    code: view.getUint8(1),
    curHopLimit: view.getUint8(4),
    managed: (flags & FLAG_MANAGED) !== 0,
    otherConfig: (flags & FLAG_OTHER) !== 0,
    reservedFlags: flags & 0x3f,
    routerLifetime: view.getUint16(6),
    reachableTime: view.getUint32(8),
    retransTimer: view.getUint32(12),
    options: decodeOptions(bytes.subarray(RA_SIZE)),
  });
}

function decodeNs(bytes: Uint8Array): NeighborSolicitation {
  requireLength(bytes, NEIGHBOR_SIZE, "a Neighbor Solicitation");
  const view = viewOf(bytes);
  return Object.freeze({
    type: 135,
    code: view.getUint8(1),
    reserved: view.getUint32(4),
    target: Address.fromBytes(bytes.subarray(8, NEIGHBOR_SIZE)),
    options: decodeOptions(bytes.subarray(NEIGHBOR_SIZE)),
  });
}

function decodeNa(bytes: Uint8Array): NeighborAdvertisement {
  requireLength(bytes, NEIGHBOR_SIZE, "a Neighbor Advertisement");
  const view = viewOf(bytes);
  const flags = view.getUint8(4);
  return Object.freeze({
    type: 136,
    code: view.getUint8(1),
    router: (flags & FLAG_ROUTER) !== 0,
    solicited: (flags & FLAG_SOLICITED) !== 0,
    override: (flags & FLAG_OVERRIDE) !== 0,
    reserved: view.getUint32(4) & maxOf(29),
    target: Address.fromBytes(bytes.subarray(8, NEIGHBOR_SIZE)),
    options: decodeOptions(bytes.subarray(NEIGHBOR_SIZE)),
  });
}
