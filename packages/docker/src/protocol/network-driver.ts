import { Address, Prefix } from "@own6/core";
import { type AttachMode, checkIfname, ROUTED_GATEWAY } from "@own6/netlink";
import type { EndpointLinks } from "../host/host.js";
import type { EndpointRecord, NetworkRecord, PoolRecord } from "../state/records.js";
import { type DriverContext, releaseUnused } from "./context.js";
import { PluginError } from "./errors.js";
import {
  type CreateNetworkRequest,
  decodeCreateEndpoint,
  decodeCreateNetwork,
  decodeEndpointRequest,
  decodeGwAllocCheck,
  decodeJoin,
  decodeNetworkRequest,
} from "./messages.js";
import type {
  EmptyReply,
  GwAllocCheckReply,
  JoinReply,
  NetworkCapabilitiesReply,
  OperInfoReply,
  StaticRoute,
} from "./replies.js";

const MODES: readonly AttachMode[] = ["macvlan", "routed"];
/** The `-o` driver options own6 understands. */
const NETWORK_OPTIONS = new Set(["parent", "mode"]);

/** The `-o` options of a network, checked. */
interface NetworkOptions {
  readonly mode: AttachMode;
  readonly parent: string | undefined;
}

function networkOptions(request: Pick<CreateNetworkRequest, "enableIpv4" | "generic">): NetworkOptions {
  if (request.enableIpv4 === true) {
    throw new PluginError("IPV4_UNSUPPORTED", "own6 networks are IPv6-only: create the network with --ipv4=false");
  }
  const { generic } = request;
  const unknown = Object.keys(generic).filter((k) => !NETWORK_OPTIONS.has(k));
  if (unknown.length > 0)
    throw new PluginError("OPTION_INVALID", `unknown -o ${unknown.join(", ")}; own6 knows: parent, mode`);
  const mode = (generic.mode ?? "macvlan") as AttachMode;
  if (!MODES.includes(mode)) throw new PluginError("OPTION_INVALID", `-o mode=${generic.mode}: use macvlan or routed`);
  if (generic.parent === undefined) return { mode, parent: undefined };
  try {
    return { mode, parent: checkIfname(generic.parent) };
  } catch (e) {
    throw new PluginError("OPTION_INVALID", `-o parent: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Docker's NetworkDriver: networks bind an own6 pool to a parent link and a mode; Join makes
 * the endpoint's link in the host namespace for Docker to move into the container (a macvlan
 * on the parent, or a veth whose host end routes the address and answers NDP for it on the
 * parent), with the container's default route; DeleteEndpoint removes it all again.
 *
 * @example
 * ```ts
 * const driver = new NetworkDriver(context);
 * const reply = await driver.join({ NetworkID, EndpointID, SandboxKey });
 * reply.InterfaceName.SrcName; // "o6m…" or "o6c…"
 * ```
 */
export class NetworkDriver {
  readonly #context: DriverContext;

  constructor(context: DriverContext) {
    this.#context = context;
  }

  /**
   * NetworkDriver.GetCapabilities.
   *
   * @example
   * ```ts
   * driver.capabilities().Scope; // "local"
   * ```
   */
  capabilities(): NetworkCapabilitiesReply {
    return { Scope: "local", ConnectivityScope: "local", GwAllocChecker: true };
  }

  /**
   * NetworkDriver.GwAllocCheck (Docker 28+): checks the options early and tells Docker to
   * allocate no gateway addresses (own6 has no IPv4, and its IPv6 gateway is the router).
   *
   * @example
   * ```ts
   * driver.gwAllocCheck({ Options: { "com.docker.network.enable_ipv4": false } }); // { SkipIPv4: true, SkipIPv6: true }
   * ```
   */
  gwAllocCheck(body: unknown): GwAllocCheckReply {
    networkOptions(decodeGwAllocCheck(body));
    return { SkipIPv4: true, SkipIPv6: true };
  }

  /**
   * NetworkDriver.CreateNetwork.
   *
   * @example
   * ```ts
   * await driver.createNetwork({ NetworkID, Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": { parent: "eth0", mode: "routed" } }, IPv4Data, IPv6Data });
   * ```
   */
  createNetwork(body: unknown): Promise<EmptyReply> {
    const request = decodeCreateNetwork(body);
    const options = networkOptions(request);
    return this.#context.topology.run(() => this.#createNetwork(request, options));
  }

  async #createNetwork(request: CreateNetworkRequest, options: NetworkOptions): Promise<EmptyReply> {
    const { state, host } = this.#context;
    const [v6, ...more] = request.ipv6Data;
    if (!request.enableIpv6 || !v6 || more.length > 0) {
      throw new PluginError(
        "OPTION_INVALID",
        "an own6 network needs --ipv6 and exactly one IPv6 pool (one --subnet at most)",
      );
    }
    if (request.ipv4Data.some((d) => d.pool !== "0.0.0.0/0")) {
      throw new PluginError("IPV4_UNSUPPORTED", "own6 networks are IPv6-only: leave out the IPv4 --subnet");
    }
    const prefix = parsePrefix(v6.pool).toString();
    const pools = state.pools().filter((p) => p.prefix === prefix);
    if (pools.length === 0) {
      throw new PluginError(
        "OPTION_INVALID",
        `${prefix} is not an own6 pool: create the network with --ipam-driver own6`,
      );
    }
    const pool = pools.find((p) => p.networkId === null) ?? pools[0];
    const parent = await this.#parentFor(options, pool, prefix);
    const network: NetworkRecord = {
      id: request.networkId,
      mode: options.mode,
      parent,
      prefix,
      gateway: userGateway(v6.gateway, Prefix.parse(prefix)),
      modern: request.enableIpv4 !== undefined,
    };
    state.putNetwork(network);
    if (pool && pool.networkId === null) state.putPool({ ...pool, networkId: network.id });
    try {
      await host.prepare(parent, options.mode);
    } catch (e) {
      state.deleteNetwork(network.id);
      if (pool && pool.networkId === null) state.putPool(pool);
      throw e;
    }
    this.#context.log.info({ network: network.id, mode: network.mode, parent, prefix }, "network created");
    return {};
  }

  async #parentFor(options: NetworkOptions, pool: PoolRecord | undefined, prefix: string): Promise<string> {
    const { state, host, defaultParent } = this.#context;
    const learnedOn = pool?.parent ?? null;
    if (options.parent && learnedOn && options.parent !== learnedOn) {
      // IPAM never sees -o (docker.md E): the pool came from another uplink's RAs.
      const there = await host.learnedPrefixes(options.parent);
      if (!there.some((p) => p.toString() === prefix)) {
        throw new PluginError(
          "OPTION_INVALID",
          `the pool ${prefix} came from ${learnedOn}'s Router Advertisements; add --ipam-opt parent=${options.parent} (or use -o parent=${learnedOn})`,
        );
      }
    }
    const parent = options.parent ?? learnedOn ?? defaultParent;
    if (parent === undefined)
      throw new PluginError("PARENT_REQUIRED", "say which uplink to attach to with -o parent=IF");
    if (!(await host.hasLink(parent))) throw new PluginError("PARENT_UNKNOWN", `-o parent=${parent}: no such link`);
    const other = state.networks().find((n) => n.prefix === prefix && n.parent !== parent);
    if (other) {
      throw new PluginError(
        "OPTION_INVALID",
        `${prefix} is on ${other.parent} already (network ${other.id.slice(0, 12)})`,
      );
    }
    return parent;
  }

  /**
   * NetworkDriver.DeleteNetwork. Unknown networks are fine: Docker must always be able to clean up.
   *
   * @example
   * ```ts
   * await driver.deleteNetwork({ NetworkID });
   * ```
   */
  deleteNetwork(body: unknown): Promise<EmptyReply> {
    const id = decodeNetworkRequest(body);
    return this.#context.topology.run(async () => {
      const network = this.#context.state.network(id);
      if (!network) return {};
      this.#context.state.deleteNetwork(id);
      for (const pool of this.#context.state.pools().filter((p) => p.networkId === id)) {
        this.#context.state.putPool({ ...pool, networkId: null });
      }
      await releaseUnused(this.#context, network.prefix, network.parent);
      this.#context.log.info({ network: id }, "network deleted");
      return {};
    });
  }

  /**
   * NetworkDriver.CreateEndpoint: records the endpoint; its links come at Join.
   *
   * @example
   * ```ts
   * await driver.createEndpoint({ NetworkID, EndpointID, Interface: { AddressIPv6: "2001:db8:1::5/64", MacAddress: "02:42:ac:11:00:02" } });
   * ```
   */
  async createEndpoint(body: unknown): Promise<EmptyReply> {
    const request = decodeCreateEndpoint(body);
    const { state } = this.#context;
    const network = this.#network(request.networkId);
    if (!request.addressIpv6) {
      throw new PluginError("BAD_REQUEST", "the endpoint has no IPv6 address: own6 networks need --ipv6");
    }
    const [text = "", length = ""] = request.addressIpv6.split("/");
    const address = parseAddress(text);
    const prefix = Prefix.parse(network.prefix);
    const bound = state.pools().some((p) => p.prefix === network.prefix && state.binding(p.id, address));
    if (!prefix.contains(address) || !bound || !/^\d{1,3}$/.test(length)) {
      throw new PluginError("ADDRESS_FOREIGN", `${request.addressIpv6} was not handed out by own6 for this network`);
    }
    // A container that came back under its name without releasing first (a crashed dockerd)
    // left an endpoint behind with the same address: it is gone, so forget it.
    for (const stale of state
      .endpoints()
      .filter((e) => e.address === address.toString() && e.id !== request.endpointId)) {
      await this.#context.host.detach(linksOf(stale, network));
      state.deleteEndpoint(stale.id);
    }
    state.putEndpoint({
      id: request.endpointId,
      networkId: network.id,
      address: address.toString(),
      prefixLength: Number(length),
      mac: request.macAddress,
      sandboxKey: null,
      routes: false,
    });
    return {};
  }

  /**
   * NetworkDriver.Join: makes the link Docker moves into the container and says how the
   * container reaches the world, with no gateway service (no second interface).
   *
   * Routed: GatewayIPv6 fe80::1 (the host end), plus a `::/0` static route for Docker 20.10 to
   * 27, which set the default route from GatewayIPv6 only next to an IPv4 gateway; 28 and later
   * set it from GatewayIPv6 and would fail on a duplicate (docker.md A7).
   *
   * Macvlan: the container sits on the router's segment and hears its Router Advertisements,
   * which can install `default via router` before Docker adds static routes, so a `::/0` (or
   * GatewayIPv6 on 28+) would fail with "file exists". `::/1` and `8000::/1` via the router
   * cover everything at once and never collide; the container's SLAAC is then turned off.
   *
   * @example
   * ```ts
   * await driver.join({ NetworkID, EndpointID, SandboxKey: "/var/run/docker/netns/7d760ee5cc1b" });
   * ```
   */
  async join(body: unknown): Promise<JoinReply> {
    const request = decodeJoin(body);
    const { state, host, log } = this.#context;
    const network = this.#network(request.networkId);
    const endpoint = this.#endpoint(request.endpointId, network);
    const links = linksOf(endpoint, network);
    const source = await host.attach(links);
    // A container on two own6 networks gets its default routes from the first only.
    const routed = state
      .endpoints()
      .some((e) => e.id !== endpoint.id && e.routes && e.sandboxKey === request.sandboxKey);
    const gateway = await this.#gateway(network);
    const routes = gateway && !routed ? defaultRoutes(network, gateway) : [];
    state.putEndpoint({ ...endpoint, sandboxKey: request.sandboxKey, routes: routes.length > 0 });
    if (network.mode === "macvlan" && isNetnsPath(request.sandboxKey))
      host.quietSlaac(links, request.sandboxKey, endpoint.mac);
    log.info({ endpoint: endpoint.id, link: source, address: endpoint.address }, "endpoint joined");
    return {
      InterfaceName: { SrcName: source, DstPrefix: "eth" },
      ...(network.mode === "routed" && { GatewayIPv6: ROUTED_GATEWAY.toString() }),
      StaticRoutes: routes,
      DisableGatewayService: true,
    };
  }

  /** The container's next hop: the host end in routed mode; the router in macvlan mode. */
  async #gateway(network: NetworkRecord): Promise<Address | undefined> {
    if (network.mode === "routed") return ROUTED_GATEWAY;
    if (network.gateway) return Address.parse(network.gateway);
    return this.#context.host.router(network.parent);
  }

  /**
   * NetworkDriver.Leave: the link is still in the container; it goes at DeleteEndpoint.
   *
   * @example
   * ```ts
   * driver.leave({ NetworkID, EndpointID }); // {}
   * ```
   */
  leave(body: unknown): EmptyReply {
    decodeEndpointRequest(body);
    return {};
  }

  /**
   * NetworkDriver.DeleteEndpoint: removes the links (Docker has moved the container's end back
   * by now) and the proxy NDP entry, which would outlive them. Works from the EndpointID alone
   * when the plugin does not know the endpoint.
   *
   * @example
   * ```ts
   * await driver.deleteEndpoint({ NetworkID, EndpointID });
   * ```
   */
  async deleteEndpoint(body: unknown): Promise<EmptyReply> {
    const request = decodeEndpointRequest(body);
    const { state, host } = this.#context;
    const endpoint = state.endpoint(request.endpointId);
    const network = endpoint && state.network(endpoint.networkId);
    await host.detach(endpoint && network ? linksOf(endpoint, network) : { endpointId: request.endpointId });
    state.deleteEndpoint(request.endpointId);
    this.#context.log.info({ endpoint: request.endpointId }, "endpoint deleted");
    return {};
  }

  /**
   * NetworkDriver.EndpointOperInfo.
   *
   * @example
   * ```ts
   * driver.endpointOperInfo({ NetworkID, EndpointID }); // { Value: {} }
   * ```
   */
  endpointOperInfo(body: unknown): OperInfoReply {
    decodeEndpointRequest(body);
    return { Value: {} };
  }

  /**
   * Program/RevokeExternalConnectivity: nothing to do, there is no NAT and no port mapping.
   *
   * @example
   * ```ts
   * driver.externalConnectivity({ NetworkID, EndpointID }); // {}
   * ```
   */
  externalConnectivity(body: unknown): EmptyReply {
    decodeEndpointRequest(body);
    return {};
  }

  #network(id: string): NetworkRecord {
    const network = this.#context.state.network(id);
    if (!network)
      throw new PluginError("UNKNOWN_NETWORK", `own6 has no network ${id.slice(0, 12)}; remove and recreate it`);
    return network;
  }

  #endpoint(id: string, network: NetworkRecord): EndpointRecord {
    const endpoint = this.#context.state.endpoint(id);
    if (!endpoint || endpoint.networkId !== network.id) {
      throw new PluginError(
        "UNKNOWN_ENDPOINT",
        `own6 has no endpoint ${id.slice(0, 12)} in network ${network.id.slice(0, 12)}`,
      );
    }
    return endpoint;
  }
}

function defaultRoutes(network: NetworkRecord, gateway: Address): StaticRoute[] {
  const via = (Destination: string): StaticRoute => ({ Destination, RouteType: 0, NextHop: gateway.toString() });
  if (network.mode === "macvlan") return [via("::/1"), via("8000::/1")];
  return network.modern ? [] : [via("::/0")];
}

/** Docker's sandbox keys are absolute paths to namespace files; anything else is left alone. */
function isNetnsPath(key: string): boolean {
  return /^(\/[A-Za-z0-9_.-]+)+$/.test(key) && !key.split("/").includes("..");
}

function linksOf(endpoint: EndpointRecord, network: NetworkRecord): EndpointLinks {
  return {
    endpointId: endpoint.id,
    mode: network.mode,
    parent: network.parent,
    address: Address.parse(endpoint.address),
  };
}

/** The gateway the user gave (`--gateway`), or null for own6's placeholder, the subnet-router anycast. */
function userGateway(text: string, prefix: Prefix): string | null {
  const [address] = text.split("/");
  if (!address) return null;
  const parsed = parseAddress(address);
  return parsed.equals(prefix.address) ? null : parsed.toString();
}

function parsePrefix(text: string): Prefix {
  try {
    return Prefix.parse(text);
  } catch (e) {
    throw new PluginError("BAD_REQUEST", e instanceof Error ? e.message : String(e));
  }
}

function parseAddress(text: string): Address {
  try {
    return Address.parse(text);
  } catch (e) {
    throw new PluginError("BAD_REQUEST", e instanceof Error ? e.message : String(e));
  }
}
