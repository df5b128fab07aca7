import type { AttachMode } from "@own6/netlink";

/**
 * An IPv6 pool handed to Docker by RequestPool. Docker keeps only the PoolID and replays
 * RequestAddress with it after a restart (docker.md A5), so the pool must outlive the plugin.
 *
 * @example
 * ```ts
 * const pool: PoolRecord = { id: "2001:db8:1::/64@0a1b2c3d", prefix: "2001:db8:1::/64", parent: "eth0", networkId: null };
 * ```
 */
export interface PoolRecord {
  readonly id: string;
  /** CIDR text. */
  readonly prefix: string;
  /** The uplink whose Router Advertisements gave the prefix, or `--ipam-opt parent`; null for a `--subnet` pool without one. */
  readonly parent: string | null;
  /** The network that took the pool at CreateNetwork; null until then. */
  readonly networkId: string | null;
}

/**
 * A network created with `-d own6`.
 *
 * @example
 * ```ts
 * const network: NetworkRecord = { id, mode: "routed", parent: "eth0", prefix: "2001:db8:1::/64", gateway: null, modern: false };
 * ```
 */
export interface NetworkRecord {
  readonly id: string;
  readonly mode: AttachMode;
  readonly parent: string;
  readonly prefix: string;
  /** A gateway the user gave with `--gateway`; null when the router is found from the host's RAs. */
  readonly gateway: string | null;
  /** Docker 28 or later (it sent `com.docker.network.enable_ipv4`): it sets the default route from GatewayIPv6 itself. */
  readonly modern: boolean;
}

/**
 * An endpoint: one container's interface on a network.
 *
 * @example
 * ```ts
 * const endpoint: EndpointRecord = { id, networkId, address: "2001:db8:1::5", prefixLength: 64, mac: "02:42:ac:11:00:02", sandboxKey: null, routes: false };
 * ```
 */
export interface EndpointRecord {
  readonly id: string;
  readonly networkId: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
  /** The container's namespace, from Join; null before. */
  readonly sandboxKey: string | null;
  /** Whether its Join gave the container's default routes (one endpoint per container does). */
  readonly routes: boolean;
}

/**
 * An address handed out by RequestAddress and not yet released: which pool, and the allocator
 * owner that holds its lease.
 *
 * @example
 * ```ts
 * const binding: AddressBinding = { poolId, address: "2001:db8:1::5", owner: "name:web-1", name: "web-1", mac: "" };
 * ```
 */
export interface AddressBinding {
  readonly poolId: string;
  readonly address: string;
  readonly owner: string;
  /** The container name Docker 29+ sends, or empty. */
  readonly name: string;
  readonly mac: string;
}
