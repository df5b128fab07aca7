import type { Address } from "../address.js";
import type { NdpOption } from "./options.js";

/**
 * The ICMPv6 types of the NDP messages this codec reads and writes (RFC 4861 §4).
 *
 * @example
 * ```ts
 * if (bytes[0] === NDP_MESSAGE_TYPE.neighborSolicitation) handleNs(decodeNdp(bytes, pair));
 * ```
 */
export const NDP_MESSAGE_TYPE = Object.freeze({
  routerSolicitation: 133,
  routerAdvertisement: 134,
  neighborSolicitation: 135,
  neighborAdvertisement: 136,
} as const);

/**
 * Router Solicitation (type 133, RFC 4861 §4.1).
 *
 * @example
 * ```ts
 * const rs: RouterSolicitation = { type: 133, options: [] };
 * ```
 */
export interface RouterSolicitation {
  /** ICMPv6 type. */
  readonly type: 133;
  /** ICMPv6 code; 0 when absent. Kept so that validation can reject anything else. */
  readonly code?: number;
  /** The 32-bit reserved field; 0 when absent. */
  readonly reserved?: number;
  /** Options in wire order. */
  readonly options: readonly NdpOption[];
}

/**
 * Router Advertisement (type 134, RFC 4861 §4.2).
 *
 * @example
 * ```ts
 * const ra: RouterAdvertisement = {
 *   type: 134, curHopLimit: 64, managed: false, otherConfig: false,
 *   routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options: [{ kind: "pio", ...pio }],
 * };
 * ```
 */
export interface RouterAdvertisement {
  /** ICMPv6 type. */
  readonly type: 134;
  /** ICMPv6 code; 0 when absent. */
  readonly code?: number;
  /** Hop limit hosts should use, 0 to 255; 0 means unspecified. */
  readonly curHopLimit: number;
  /** M (0x80): addresses are available from DHCPv6. */
  readonly managed: boolean;
  /** O (0x40): other configuration is available from DHCPv6. */
  readonly otherConfig: boolean;
  /** The six low bits of the flags byte (0 to 63): H, Prf, Proxy and reserved bits, as sent. */
  readonly reservedFlags?: number;
  /** Seconds the router may be a default router, 0 to 65535; 0 means it is not one. */
  readonly routerLifetime: number;
  /** Milliseconds a neighbour stays reachable after confirmation (32 bits); 0 means unspecified. */
  readonly reachableTime: number;
  /** Milliseconds between NS retransmissions, and so DAD probes (32 bits); 0 means unspecified. */
  readonly retransTimer: number;
  /** Options in wire order. */
  readonly options: readonly NdpOption[];
}

/**
 * Neighbor Solicitation (type 135, RFC 4861 §4.3). A DAD probe is an NS with source `::`, sent to
 * the target's solicited-node group, with no SLLA option and (RFC 7527) a nonce option.
 *
 * @example
 * ```ts
 * const ns: NeighborSolicitation = {
 *   type: 135, target: Address.parse("2001:db8::2"),
 *   options: [{ kind: "nonce", nonce: Uint8Array.of(1, 2, 3, 4, 5, 6) }],
 * };
 * ```
 */
export interface NeighborSolicitation {
  /** ICMPv6 type. */
  readonly type: 135;
  /** ICMPv6 code; 0 when absent. */
  readonly code?: number;
  /** The 32-bit reserved field; 0 when absent. */
  readonly reserved?: number;
  /** The address being resolved or probed; its zone is not sent. */
  readonly target: Address;
  /** Options in wire order. */
  readonly options: readonly NdpOption[];
}

/**
 * Neighbor Advertisement (type 136, RFC 4861 §4.4). One whose target is a tentative address
 * means DAD failed.
 *
 * @example
 * ```ts
 * const na: NeighborAdvertisement = {
 *   type: 136, router: false, solicited: false, override: true, target: Address.parse("2001:db8::2"),
 *   options: [{ kind: "tlla", linkLayerAddress: Uint8Array.of(2, 0, 0, 0, 0, 2) }],
 * };
 * ```
 */
export interface NeighborAdvertisement {
  /** ICMPv6 type. */
  readonly type: 136;
  /** ICMPv6 code; 0 when absent. */
  readonly code?: number;
  /** R (0x80): the sender is a router. */
  readonly router: boolean;
  /** S (0x40): the advertisement answers a unicast-addressed NS. */
  readonly solicited: boolean;
  /** O (0x20): the advertisement should replace a cached link-layer address. */
  readonly override: boolean;
  /** The 29 reserved bits after the flags (0 to 0x1fffffff); 0 when absent. */
  readonly reserved?: number;
  /** The address being advertised; its zone is not sent. */
  readonly target: Address;
  /** Options in wire order. */
  readonly options: readonly NdpOption[];
}

/**
 * Any NDP message the codec handles, discriminated by its ICMPv6 `type`.
 *
 * @example
 * ```ts
 * const m: NdpMessage = decodeNdp(bytes, pair);
 * if (m.type === 136) m.target; // narrowed to NeighborAdvertisement
 * ```
 */
export type NdpMessage = RouterSolicitation | RouterAdvertisement | NeighborSolicitation | NeighborAdvertisement;
