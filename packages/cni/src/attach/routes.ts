import { Address, Prefix } from "@own6/core";
import { replaceRoute } from "@own6/netlink";
import type { ResultRoute } from "../spec/result.js";

/**
 * The configured routes with their gateway filled in (each its own `gw`, else `gateway`); a route
 * with no gateway at all is left out and named in `skipped`.
 *
 * @example
 * ```ts
 * resolveRoutes([{ dst: "::/0" }], Address.parse("fe80::1")).routes; // [{ dst: "::/0", gw: "fe80::1" }]
 * ```
 */
export function resolveRoutes(
  routes: readonly ResultRoute[],
  gateway: Address | undefined,
): { routes: ResultRoute[]; skipped: string[] } {
  const resolved: ResultRoute[] = [];
  const skipped: string[] = [];
  for (const route of routes) {
    const gw = route.gw ?? gateway?.toString();
    if (gw === undefined) skipped.push(route.dst);
    else resolved.push({ ...route, gw });
  }
  return { routes: resolved, skipped };
}

/**
 * Installs resolved routes (each with its `gw`) in the container's namespace.
 *
 * @example
 * ```ts
 * await installRoutes(netns, "eth0", [{ dst: "::/0", gw: "fe80::1" }]);
 * ```
 */
export async function installRoutes(netns: string, ifname: string, routes: readonly ResultRoute[]): Promise<void> {
  for (const route of routes) {
    const destination = route.dst === "::/0" ? "default" : Prefix.parse(route.dst);
    await replaceRoute(netns, destination, ifname, Address.parse(route.gw ?? ""));
  }
}
