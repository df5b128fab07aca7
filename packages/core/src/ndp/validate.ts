import type { AddressPair } from "./checksum.js";
import { decodeNdp } from "./codec.js";
import { NdpDecodeError, type NdpDecodeReason } from "./errors.js";
import type {
  NdpMessage,
  NeighborAdvertisement,
  NeighborSolicitation,
  RouterAdvertisement,
  RouterSolicitation,
} from "./messages.js";
import { isSolicitedNodeAddress } from "./solicited-node.js";

/**
 * What the IPv6 layer knows about a received NDP packet and the checks need.
 *
 * @example
 * ```ts
 * const ip: IpContext = { source: Address.parse("::"), destination: Address.parse("ff02::1:ff00:2"), hopLimit: 255 };
 * ```
 */
export interface IpContext extends AddressPair {
  /** The Hop Limit of the IPv6 header as received. */
  readonly hopLimit: number;
}

/**
 * Why RFC 4861 §6.1 / §7.1 says to drop an NDP packet silently. Besides the decoding failures
 * ({@link NdpDecodeReason}; `TOO_SHORT` is the "ICMP length" rule, `OPTION_LENGTH_ZERO` the
 * option-length rule):
 *
 * - `HOP_LIMIT_NOT_255`: the packet was forwarded by a router, so it is not from this link.
 * - `CODE_NOT_ZERO`: the ICMPv6 code is not 0.
 * - `TARGET_MULTICAST`: an NS or NA target is a multicast address.
 * - `UNSPECIFIED_SOURCE_NOT_TO_SOLICITED_NODE`: an NS from `::` (a DAD probe) not sent to a
 *   solicited-node group.
 * - `UNSPECIFIED_SOURCE_WITH_SLLA`: an NS or RS from `::` carrying a Source Link-Layer Address
 *   option, which would poison neighbour caches with an address nobody owns.
 * - `SOLICITED_FLAG_TO_MULTICAST`: an NA sent to a multicast group claims to be solicited.
 * - `SOURCE_NOT_LINK_LOCAL`: an RA from a non-link-local source.
 *
 * @example
 * ```ts
 * const v = validateNdp(bytes, ip);
 * if (!v.valid && v.reason === "HOP_LIMIT_NOT_255") metrics.offLinkNdp++;
 * ```
 */
export type NdpInvalidReason =
  | NdpDecodeReason
  | "HOP_LIMIT_NOT_255"
  | "CODE_NOT_ZERO"
  | "TARGET_MULTICAST"
  | "UNSPECIFIED_SOURCE_NOT_TO_SOLICITED_NODE"
  | "UNSPECIFIED_SOURCE_WITH_SLLA"
  | "SOLICITED_FLAG_TO_MULTICAST"
  | "SOURCE_NOT_LINK_LOCAL";

/**
 * The outcome of {@link validateNdp}: the message when valid (decoded, if bytes were given), the
 * first broken rule when not.
 *
 * @example
 * ```ts
 * const v = validateNdp(bytes, ip);
 * if (!v.valid) log.debug(`dropped NDP packet: ${v.reason}`);
 * ```
 */
export type NdpValidation =
  | { readonly valid: true; readonly message: NdpMessage }
  | { readonly valid: false; readonly reason: NdpInvalidReason };

/**
 * Applies the RFC 4861 receive checks (§6.1.1 RS, §6.1.2 RA, §7.1.1 NS, §7.1.2 NA). Given bytes,
 * it also decodes them and verifies the checksum and lengths; given a message, it checks what a
 * value can break (the wire-only rules cannot fail for a value that encodes). Unknown options are
 * ignored, as RFC 4861 requires.
 *
 * @example
 * ```ts
 * const v = validateNdp(bytes, { source, destination, hopLimit: 255 });
 * if (v.valid && v.message.type === 135) onNeighborSolicitation(v.message);
 * ```
 */
export function validateNdp(input: NdpMessage | Uint8Array, ip: IpContext): NdpValidation {
  if (ip.hopLimit !== 255) return invalid("HOP_LIMIT_NOT_255");
  const decoded = input instanceof Uint8Array ? tryDecode(input, ip) : input;
  if (typeof decoded === "string") return invalid(decoded);
  const reason = (decoded.code ?? 0) !== 0 ? "CODE_NOT_ZERO" : messageRuleBroken(decoded, ip);
  return reason === undefined ? { valid: true, message: decoded } : invalid(reason);
}

function invalid(reason: NdpInvalidReason): NdpValidation {
  return { valid: false, reason };
}

function tryDecode(bytes: Uint8Array, ip: IpContext): NdpMessage | NdpDecodeReason {
  try {
    return decodeNdp(bytes, ip);
  } catch (e) {
    if (e instanceof NdpDecodeError) return e.reason;
    throw e;
  }
}

function messageRuleBroken(message: NdpMessage, ip: IpContext): NdpInvalidReason | undefined {
  switch (message.type) {
    case 133:
      return rsRuleBroken(message, ip);
    case 134:
      return raRuleBroken(message, ip);
    case 135:
      return nsRuleBroken(message, ip);
    case 136:
      return naRuleBroken(message, ip);
    default:
      return "UNKNOWN_TYPE";
  }
}

function rsRuleBroken(message: RouterSolicitation, ip: IpContext): NdpInvalidReason | undefined {
  if (isUnspecified(ip) && hasSlla(message)) return "UNSPECIFIED_SOURCE_WITH_SLLA";
  return undefined;
}

function raRuleBroken(_message: RouterAdvertisement, ip: IpContext): NdpInvalidReason | undefined {
  return ip.source.kind === "linkLocal" ? undefined : "SOURCE_NOT_LINK_LOCAL";
}

function nsRuleBroken(message: NeighborSolicitation, ip: IpContext): NdpInvalidReason | undefined {
  if (message.target.kind === "multicast") return "TARGET_MULTICAST";
  if (!isUnspecified(ip)) return undefined;
  if (!isSolicitedNodeAddress(ip.destination)) return "UNSPECIFIED_SOURCE_NOT_TO_SOLICITED_NODE";
  if (hasSlla(message)) return "UNSPECIFIED_SOURCE_WITH_SLLA";
  return undefined;
}

function naRuleBroken(message: NeighborAdvertisement, ip: IpContext): NdpInvalidReason | undefined {
  if (message.target.kind === "multicast") return "TARGET_MULTICAST";
  if (ip.destination.kind === "multicast" && message.solicited) return "SOLICITED_FLAG_TO_MULTICAST";
  return undefined;
}

function isUnspecified(ip: IpContext): boolean {
  return ip.source.kind === "unspecified";
}

function hasSlla(message: NdpMessage): boolean {
  return message.options.some((o) => o.kind === "slla");
}
