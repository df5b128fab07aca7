import { Address } from "@own6/core";
import { listRoutes } from "../routes.js";

/**
 * Where containers attach: the host's network namespace (undefined for the caller's own, as on
 * a real host) and its uplink, the link on the segment where the router and neighbours are.
 */
export interface HostUplink {
  readonly ns: string | undefined;
  readonly uplink: string;
}

/**
 * The router's link-local address on the uplink, from the host's RA-learned default route, so a
 * container on the same segment can use it as its gateway straight away instead of waiting for
 * the next Router Advertisement.
 *
 * @example
 * ```ts
 * await uplinkGateway({ ns: "host", uplink: "uplink0" }); // Address fe80::...
 * ```
 */
export async function uplinkGateway(host: HostUplink): Promise<Address | undefined> {
  const routes = await listRoutes(host.ns);
  const route = routes.find((r) => r.dst === "default" && r.dev === host.uplink && r.gateway);
  return route?.gateway ? Address.parse(route.gateway) : undefined;
}
