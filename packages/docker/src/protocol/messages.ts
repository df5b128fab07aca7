import { PluginError } from "./errors.js";

// The request bodies Docker sends (docker.md A4/A5), decoded into typed objects. Field names on
// the wire are Go's (PoolID, NetworkID, ...); every check here turns a malformed body into a
// PluginError that names the field, so a handler never sees a half-valid request.

type Json = Record<string, unknown>;

/** Docker's 64-hex IDs; shorter ones (12+) are accepted for hand-written requests. */
const DOCKER_ID = /^[0-9a-f]{12,64}$/;

function objectOf(body: unknown, what: string): Json {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new PluginError("BAD_REQUEST", `${what} must be a JSON object`);
  }
  return body as Json;
}

function text(o: Json, field: string, required: boolean): string {
  const value = o[field];
  if (value === undefined || value === null) {
    if (required) throw new PluginError("BAD_REQUEST", `the request has no ${field}`);
    return "";
  }
  if (typeof value !== "string") throw new PluginError("BAD_REQUEST", `${field} must be a string`);
  if (value.length > 4096) throw new PluginError("BAD_REQUEST", `${field} is too long`);
  return value;
}

function dockerId(o: Json, field: string): string {
  const value = text(o, field, true);
  if (!DOCKER_ID.test(value)) throw new PluginError("BAD_REQUEST", `${field} must be 12 to 64 hex digits`);
  return value;
}

function flag(o: Json, field: string): boolean {
  const value = o[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new PluginError("BAD_REQUEST", `${field} must be true or false`);
  return value;
}

/** A map of strings (`--ipam-opt`, `-o`, RequestAddress options); other values are an error. */
function strings(value: unknown, field: string): Record<string, string> {
  const o = objectOf(value ?? {}, field);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(o)) {
    if (typeof v !== "string") throw new PluginError("BAD_REQUEST", `${field}.${key} must be a string`);
    out[key] = v;
  }
  return out;
}

/**
 * IpamDriver.RequestPool.
 *
 * @example
 * ```ts
 * const request: RequestPoolRequest = { addressSpace: "own6", pool: "", subPool: "", options: { parent: "eth0" }, v6: true };
 * ```
 */
export interface RequestPoolRequest {
  readonly addressSpace: string;
  /** The `--subnet` in CIDR form, or empty. */
  readonly pool: string;
  /** The `--ip-range`, or empty. */
  readonly subPool: string;
  /** `--ipam-opt` key/value pairs. */
  readonly options: Record<string, string>;
  readonly v6: boolean;
}

/**
 * Decodes an IpamDriver.RequestPool body.
 *
 * @example
 * ```ts
 * decodeRequestPool({ AddressSpace: "own6", Pool: "", SubPool: "", Options: {}, V6: true }).v6; // true
 * ```
 */
export function decodeRequestPool(body: unknown): RequestPoolRequest {
  const o = objectOf(body, "RequestPool");
  return {
    addressSpace: text(o, "AddressSpace", false),
    pool: text(o, "Pool", false),
    subPool: text(o, "SubPool", false),
    options: strings(o.Options, "Options"),
    v6: flag(o, "V6"),
  };
}

/**
 * Decodes an IpamDriver.ReleasePool body and returns its PoolID.
 *
 * @example
 * ```ts
 * decodeReleasePool({ PoolID: "2001:db8:1::/64@0a1b2c3d" }); // "2001:db8:1::/64@0a1b2c3d"
 * ```
 */
export function decodeReleasePool(body: unknown): string {
  return text(objectOf(body, "ReleasePool"), "PoolID", true);
}

/**
 * IpamDriver.RequestAddress.
 *
 * @example
 * ```ts
 * const request: RequestAddressRequest = { poolId, address: "", options: { "com.docker.network.endpoint.name": "web-1" } };
 * ```
 */
export interface RequestAddressRequest {
  readonly poolId: string;
  /** A plain address (`--ip6`, `--gateway`), or empty. */
  readonly address: string;
  readonly options: Record<string, string>;
}

/**
 * Decodes an IpamDriver.RequestAddress body.
 *
 * @example
 * ```ts
 * decodeRequestAddress({ PoolID: "p", Address: "", Options: { "com.docker.network.endpoint.macaddress": "02:42:ac:11:00:02" } });
 * ```
 */
export function decodeRequestAddress(body: unknown): RequestAddressRequest {
  const o = objectOf(body, "RequestAddress");
  return {
    poolId: text(o, "PoolID", true),
    address: text(o, "Address", false),
    options: strings(o.Options, "Options"),
  };
}

/**
 * IpamDriver.ReleaseAddress.
 *
 * @example
 * ```ts
 * const request: ReleaseAddressRequest = { poolId, address: "2001:db8:1::5" };
 * ```
 */
export interface ReleaseAddressRequest {
  readonly poolId: string;
  readonly address: string;
}

/**
 * Decodes an IpamDriver.ReleaseAddress body.
 *
 * @example
 * ```ts
 * decodeReleaseAddress({ PoolID: "p", Address: "2001:db8:1::5" }).address; // "2001:db8:1::5"
 * ```
 */
export function decodeReleaseAddress(body: unknown): ReleaseAddressRequest {
  const o = objectOf(body, "ReleaseAddress");
  return { poolId: text(o, "PoolID", true), address: text(o, "Address", true) };
}

/**
 * One entry of CreateNetwork's IPv4Data or IPv6Data.
 *
 * @example
 * ```ts
 * const data: IpamData = { addressSpace: "own6", pool: "2001:db8:1::/64", gateway: "2001:db8:1::/64" };
 * ```
 */
export interface IpamData {
  readonly addressSpace: string;
  readonly pool: string;
  /** `address/length`, or empty. */
  readonly gateway: string;
}

/**
 * NetworkDriver.CreateNetwork.
 *
 * @example
 * ```ts
 * decodeCreateNetwork(body).generic.mode; // "routed"
 * ```
 */
export interface CreateNetworkRequest {
  readonly networkId: string;
  /** `com.docker.network.enable_ipv6`. */
  readonly enableIpv6: boolean;
  /** `com.docker.network.enable_ipv4`, which only Docker 28 and later send. */
  readonly enableIpv4: boolean | undefined;
  /** The `-o` driver options (`com.docker.network.generic`). */
  readonly generic: Record<string, string>;
  readonly ipv4Data: readonly IpamData[];
  readonly ipv6Data: readonly IpamData[];
}

function ipamData(value: unknown, field: string): IpamData[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PluginError("BAD_REQUEST", `${field} must be a list`);
  return value.map((entry) => {
    const o = objectOf(entry, field);
    return {
      addressSpace: text(o, "AddressSpace", false),
      pool: text(o, "Pool", true),
      gateway: text(o, "Gateway", false),
    };
  });
}

/** The network options CreateNetwork and GwAllocCheck both carry. */
type NetworkOptions = Pick<CreateNetworkRequest, "enableIpv6" | "enableIpv4" | "generic">;

function networkOptions(value: unknown): NetworkOptions {
  const options = objectOf(value ?? {}, "Options");
  const ipv4 = options["com.docker.network.enable_ipv4"];
  if (ipv4 !== undefined && typeof ipv4 !== "boolean") {
    throw new PluginError("BAD_REQUEST", "com.docker.network.enable_ipv4 must be true or false");
  }
  return {
    enableIpv6: flag(options, "com.docker.network.enable_ipv6"),
    enableIpv4: ipv4,
    generic: strings(options["com.docker.network.generic"], "com.docker.network.generic"),
  };
}

/**
 * Decodes a NetworkDriver.CreateNetwork body.
 *
 * @example
 * ```ts
 * decodeCreateNetwork({ NetworkID: "df0284cc6e9c", Options: { "com.docker.network.enable_ipv6": true }, IPv6Data: [] }).enableIpv6; // true
 * ```
 */
export function decodeCreateNetwork(body: unknown): CreateNetworkRequest {
  const o = objectOf(body, "CreateNetwork");
  return {
    networkId: dockerId(o, "NetworkID"),
    ...networkOptions(o.Options),
    ipv4Data: ipamData(o.IPv4Data, "IPv4Data"),
    ipv6Data: ipamData(o.IPv6Data, "IPv6Data"),
  };
}

/**
 * Decodes a NetworkDriver.GwAllocCheck body (Docker 28+): the options the network will be
 * created with.
 *
 * @example
 * ```ts
 * decodeGwAllocCheck({ Options: { "com.docker.network.enable_ipv4": false } }).enableIpv4; // false
 * ```
 */
export function decodeGwAllocCheck(body: unknown): NetworkOptions {
  return networkOptions(objectOf(body, "GwAllocCheck").Options);
}

/**
 * Decodes a body that names only a network (DeleteNetwork) and returns the NetworkID.
 *
 * @example
 * ```ts
 * decodeNetworkRequest({ NetworkID: "df0284cc6e9c" }); // "df0284cc6e9c"
 * ```
 */
export function decodeNetworkRequest(body: unknown): string {
  return dockerId(objectOf(body, "the request"), "NetworkID");
}

/**
 * A request about one endpoint (Leave, DeleteEndpoint, EndpointOperInfo, ...).
 *
 * @example
 * ```ts
 * const { networkId, endpointId }: EndpointRequest = decodeEndpointRequest(body);
 * ```
 */
export interface EndpointRequest {
  readonly networkId: string;
  readonly endpointId: string;
}

/**
 * Decodes a body that names a network and an endpoint.
 *
 * @example
 * ```ts
 * decodeEndpointRequest({ NetworkID: "df0284cc6e9c", EndpointID: "c42849c43c73" }).endpointId; // "c42849c43c73"
 * ```
 */
export function decodeEndpointRequest(body: unknown): EndpointRequest {
  const o = objectOf(body, "the request");
  return { networkId: dockerId(o, "NetworkID"), endpointId: dockerId(o, "EndpointID") };
}

/**
 * NetworkDriver.CreateEndpoint.
 *
 * @example
 * ```ts
 * decodeCreateEndpoint(body).addressIpv6; // "2001:db8:1::5/64"
 * ```
 */
export interface CreateEndpointRequest extends EndpointRequest {
  /** `address/length` as IPAM answered it, or empty. */
  readonly addressIpv6: string;
  readonly macAddress: string;
}

/**
 * Decodes a NetworkDriver.CreateEndpoint body.
 *
 * @example
 * ```ts
 * decodeCreateEndpoint({ NetworkID: "df0284cc6e9c", EndpointID: "c42849c43c73", Interface: { AddressIPv6: "2001:db8:1::5/64" } });
 * ```
 */
export function decodeCreateEndpoint(body: unknown): CreateEndpointRequest {
  const o = objectOf(body, "CreateEndpoint");
  const iface = objectOf(o.Interface ?? {}, "Interface");
  return {
    ...decodeEndpointRequest(o),
    addressIpv6: text(iface, "AddressIPv6", false),
    macAddress: text(iface, "MacAddress", false),
  };
}

/**
 * NetworkDriver.Join.
 *
 * @example
 * ```ts
 * decodeJoin(body).sandboxKey; // "/var/run/docker/netns/7d760ee5cc1b"
 * ```
 */
export interface JoinRequest extends EndpointRequest {
  readonly sandboxKey: string;
}

/**
 * Decodes a NetworkDriver.Join body.
 *
 * @example
 * ```ts
 * decodeJoin({ NetworkID: "df0284cc6e9c", EndpointID: "c42849c43c73", SandboxKey: "/var/run/docker/netns/7d760ee5cc1b" });
 * ```
 */
export function decodeJoin(body: unknown): JoinRequest {
  const o = objectOf(body, "Join");
  return { ...decodeEndpointRequest(o), sandboxKey: text(o, "SandboxKey", false) };
}
