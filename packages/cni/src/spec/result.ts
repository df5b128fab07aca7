import { isJsonObject, type JsonObject } from "./netconf.js";
import { versionAtLeast } from "./version.js";

/**
 * An interface a main plugin created, as a result lists it.
 *
 * @example
 * ```ts
 * const link: ResultInterface = { name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/c1" };
 * ```
 */
export interface ResultInterface {
  readonly name: string;
  readonly mac?: string;
  /** The container's namespace path; absent for host-side interfaces. */
  readonly sandbox?: string;
}

/**
 * One address in a result: CIDR text, with the gateway and (main plugins only) the index of its
 * interface.
 *
 * @example
 * ```ts
 * const ip: ResultIp = { address: "2001:db8:1::5/64", gateway: "fe80::1" };
 * ```
 */
export interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
  readonly interface?: number;
}

/**
 * A route in a result. `mtu` through `scope` exist from CNI 1.1.0 and are left out of older results.
 *
 * @example
 * ```ts
 * const route: ResultRoute = { dst: "::/0", gw: "fe80::1" };
 * ```
 */
export interface ResultRoute {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
  readonly advmss?: number;
  readonly priority?: number;
  readonly table?: number;
  readonly scope?: number;
}

/**
 * A success result before it is shaped for a version. An IPAM plugin leaves `interfaces` (and
 * `ips[].interface`) out: its result is the abbreviated one.
 *
 * @example
 * ```ts
 * const result: CniResult = { ips: [{ address: "2001:db8:1::5/64" }], routes: [{ dst: "::/0" }] };
 * ```
 */
export interface CniResult {
  readonly interfaces?: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
  readonly routes: readonly ResultRoute[];
}

const ROUTE_FIELDS_1_1 = ["mtu", "advmss", "priority", "table", "scope"] as const;

/**
 * Shapes `result` exactly as the specification of `version` says: 1.1.0 as is; 1.0.0 without
 * the 1.1.0 route fields; 0.3.0 to 0.4.0 with `"version": "6"` in each address; 0.1.0 and 0.2.0
 * as one `ip6` object. Never newer than the version asked for.
 *
 * @example
 * ```ts
 * formatResult({ ips: [{ address: "2001:db8::5/64" }], routes: [] }, "0.4.0").ips; // [{ version: "6", address: ... }]
 * ```
 */
export function formatResult(result: CniResult, version: string): JsonObject {
  if (!versionAtLeast(version, "0.3.0")) return legacyResult(result, version);
  const modern = versionAtLeast(version, "1.0.0");
  const routes = versionAtLeast(version, "1.1.0") ? result.routes : result.routes.map(withoutNewRouteFields);
  const ips = result.ips.map((ip) => ({
    ...(modern ? {} : { version: "6" }),
    ...(ip.interface !== undefined && { interface: ip.interface }),
    address: ip.address,
    ...(ip.gateway !== undefined && { gateway: ip.gateway }),
  }));
  return {
    cniVersion: version,
    ...(result.interfaces && { interfaces: result.interfaces }),
    ips,
    ...(routes.length > 0 && { routes }),
  };
}

function withoutNewRouteFields(route: ResultRoute): ResultRoute {
  const copy: Record<string, unknown> = { ...route };
  for (const field of ROUTE_FIELDS_1_1) delete copy[field];
  return copy as unknown as ResultRoute;
}

/** 0.1.0 and 0.2.0 know one address per family, as `ip6`, and no interfaces. */
function legacyResult(result: CniResult, version: string): JsonObject {
  const [first] = result.ips;
  if (!first) return { cniVersion: version };
  const routes = result.routes.map((r) => ({ dst: r.dst, ...(r.gw !== undefined && { gw: r.gw }) }));
  return {
    cniVersion: version,
    ip6: {
      ip: first.address,
      ...(first.gateway !== undefined && { gateway: first.gateway }),
      ...(routes.length > 0 && { routes }),
    },
  };
}

/**
 * The addresses (CIDR text) a result lists, in any version's shape: `ips[].address` or
 * `ip6.ip`. Anything else yields nothing.
 *
 * @example
 * ```ts
 * resultAddresses({ cniVersion: "1.0.0", ips: [{ address: "2001:db8::5/64" }] }); // ["2001:db8::5/64"]
 * ```
 */
export function resultAddresses(result: unknown): string[] {
  if (!isJsonObject(result)) return [];
  const ips = Array.isArray(result.ips) ? result.ips : [];
  const modern = ips.flatMap((ip) => (isJsonObject(ip) && typeof ip.address === "string" ? [ip.address] : []));
  const legacy = isJsonObject(result.ip6) && typeof result.ip6.ip === "string" ? [result.ip6.ip] : [];
  return [...modern, ...legacy];
}
