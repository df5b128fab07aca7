import type { Address, Prefix } from "@own6/core";
import { NetlinkError } from "./errors.js";
import { ip, ipJson } from "./ip.js";
import { checkIfname } from "./names.js";

/**
 * Adds (or replaces) an IPv6 route to `destination` (a prefix, an address for a /128, or
 * `default`) out of `ifname`, optionally via a gateway.
 *
 * @example
 * ```ts
 * await replaceRoute("own6-c1", "default", "eth0", Address.parse("fe80::1"));
 * ```
 */
export async function replaceRoute(
  ns: string | undefined,
  destination: Prefix | Address | "default",
  ifname: string,
  via?: Address,
): Promise<void> {
  const dest = typeof destination === "string" ? destination : destination.toString();
  const args = ["-6", "route", "replace", dest, ...(via ? ["via", via.toString()] : []), "dev", checkIfname(ifname)];
  await ip(ns, args, `route ${dest} via ${via ?? ifname} in ${ns}`);
}

/**
 * Removes an IPv6 route. Missing is fine.
 *
 * @example
 * ```ts
 * await deleteRoute("host", Address.parse("2001:db8::5"), "v-c1");
 * ```
 */
export async function deleteRoute(
  ns: string | undefined,
  destination: Prefix | Address | "default",
  ifname: string,
): Promise<void> {
  const dest = typeof destination === "string" ? destination : destination.toString();
  try {
    await ip(ns, ["-6", "route", "del", dest, "dev", checkIfname(ifname)], `remove route ${dest} in ${ns}`);
  } catch (e) {
    if (!(e instanceof NetlinkError && (e.errno === "ENOENT" || e.errno === "ENODEV" || e.errno === "ESRCH"))) throw e;
  }
}

/** An IPv6 route as own6 reads it. */
export interface RouteInfo {
  readonly dst: string;
  readonly dev: string | undefined;
  readonly gateway: string | undefined;
  readonly protocol: string | undefined;
  /** Seconds until it expires (routes learned from Router Advertisements), if it does. */
  readonly expires: number | undefined;
}

/**
 * The IPv6 routes of namespace `ns`.
 *
 * @example
 * ```ts
 * (await listRoutes("host")).filter((r) => r.protocol === "kernel");
 * ```
 */
export async function listRoutes(ns: string | undefined): Promise<RouteInfo[]> {
  const routes = await ipJson<{ dst: string; dev?: string; gateway?: string; protocol?: string; expires?: number }[]>(
    ns,
    ["-6", "route", "show"],
    `list routes in ${ns}`,
  );
  return routes.map((r) => ({ dst: r.dst, dev: r.dev, gateway: r.gateway, protocol: r.protocol, expires: r.expires }));
}

/**
 * Makes the kernel answer Neighbor Solicitations for `address` on `ifname` (proxy NDP; needs
 * `proxy_ndp=1` on the link). This is how a routed container's address is reachable on the
 * uplink's segment without a bridge.
 *
 * @example
 * ```ts
 * await addProxyNeighbor("host", "uplink0", Address.parse("2001:db8::5"));
 * ```
 */
export async function addProxyNeighbor(ns: string | undefined, ifname: string, address: Address): Promise<void> {
  await ip(
    ns,
    ["-6", "neigh", "replace", "proxy", address.toString(), "dev", checkIfname(ifname)],
    `proxy NDP for ${address} on ${ifname} in ${ns}`,
  );
}

/**
 * Removes a proxy NDP entry. Missing is fine. Proxy entries outlive the container's veth, so
 * teardown must remove them explicitly.
 *
 * @example
 * ```ts
 * await deleteProxyNeighbor("host", "uplink0", Address.parse("2001:db8::5"));
 * ```
 */
export async function deleteProxyNeighbor(ns: string | undefined, ifname: string, address: Address): Promise<void> {
  try {
    await ip(
      ns,
      ["-6", "neigh", "del", "proxy", address.toString(), "dev", checkIfname(ifname)],
      `remove proxy NDP for ${address} in ${ns}`,
    );
  } catch (e) {
    if (!(e instanceof NetlinkError && (e.errno === "ENOENT" || e.errno === "ENODEV"))) throw e;
  }
}

/**
 * The addresses with proxy NDP entries on `ifname` (or on any link).
 *
 * @example
 * ```ts
 * (await listProxyNeighbors("host", "uplink0")).length;
 * ```
 */
export async function listProxyNeighbors(ns: string | undefined, ifname?: string): Promise<string[]> {
  const args = ["-6", "neigh", "show", "proxy", ...(ifname ? ["dev", checkIfname(ifname)] : [])];
  const entries = await ipJson<{ dst: string }[]>(ns, args, `list proxy NDP entries in ${ns}`);
  return entries.map((e) => e.dst);
}
