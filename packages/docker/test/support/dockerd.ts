import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Reply, TestPlugin } from "./plugin.js";

/** How a simulated `docker network create` is made. */
export interface NetworkSpec {
  readonly mode?: "macvlan" | "routed";
  readonly parent?: string;
  readonly subnet?: string;
  /** Docker 28+: sends enable_ipv4 (false with --ipv4=false) and no IPv4 pool, and calls GwAllocCheck. */
  readonly modern?: boolean;
}

/** A network as the simulated dockerd keeps it. */
export interface SimNetwork {
  readonly id: string;
  readonly pools: { readonly v4?: string; readonly v6: string };
  readonly prefix: string;
}

/** One container's endpoint as the simulated dockerd keeps it. */
export interface SimEndpoint {
  readonly id: string;
  readonly network: SimNetwork;
  readonly address: string;
  readonly join: Record<string, unknown>;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const ok = (r: Reply) => {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as Record<string, unknown>;
};

/** Sends what dockerd sends (docker.md B2, A7) for network and container life cycles. */
export class SimDockerd {
  readonly #plugin: TestPlugin;

  constructor(plugin: TestPlugin) {
    this.#plugin = plugin;
  }

  async createNetwork(spec: NetworkSpec = {}): Promise<SimNetwork> {
    const call = (path: string, body: unknown) => this.#plugin.call(path, body);
    const generic = { ...(spec.mode && { mode: spec.mode }), ...(spec.parent && { parent: spec.parent }) };
    const options = {
      "com.docker.network.enable_ipv6": true,
      ...(spec.modern && { "com.docker.network.enable_ipv4": false }),
      "com.docker.network.generic": generic,
    };
    if (spec.modern)
      expect(ok(await call("/NetworkDriver.GwAllocCheck", { Options: options }))).toEqual({
        SkipIPv4: true,
        SkipIPv6: true,
      });
    const v4 = spec.modern
      ? undefined
      : ok(
          await call("/IpamDriver.RequestPool", {
            AddressSpace: "own6",
            Pool: "",
            SubPool: "",
            Options: {},
            V6: false,
          }),
        );
    // IPAM never sees -o parent: without --subnet, users name the uplink with --ipam-opt too.
    const ipamOptions = spec.parent && !spec.subnet ? { parent: spec.parent } : {};
    const v6 = ok(
      await call("/IpamDriver.RequestPool", {
        AddressSpace: "own6",
        Pool: spec.subnet ?? "",
        SubPool: "",
        Options: ipamOptions,
        V6: true,
      }),
    );
    const gateway = (v6.Data as Record<string, string>)["com.docker.network.gateway"];
    const id = hex(32);
    const ipamData = (pool: Record<string, unknown>) => [
      {
        AddressSpace: "own6",
        Pool: pool.Pool,
        Gateway: (pool.Data as Record<string, string>)["com.docker.network.gateway"],
      },
    ];
    ok(
      await call("/NetworkDriver.CreateNetwork", {
        NetworkID: id,
        Options: options,
        IPv4Data: v4 ? ipamData(v4) : [],
        IPv6Data: [{ AddressSpace: "own6", Pool: v6.Pool, Gateway: gateway }],
      }),
    );
    return { id, pools: { ...(v4 && { v4: String(v4.PoolID) }), v6: String(v6.PoolID) }, prefix: String(v6.Pool) };
  }

  /** RequestAddress (IPv4 first on 20.10), CreateEndpoint, Join, EndpointOperInfo twice. */
  async run(
    network: SimNetwork,
    options: { name?: string; ip6?: string; sandbox?: string } = {},
  ): Promise<SimEndpoint> {
    const call = (path: string, body: unknown) => this.#plugin.call(path, body);
    const mac = `02:42:${hex(4).match(/../g)?.join(":")}`;
    const addressOptions = {
      "com.docker.network.endpoint.macaddress": mac,
      ...(options.name && { "com.docker.network.endpoint.name": options.name }),
    };
    const v4 =
      network.pools.v4 &&
      ok(await call("/IpamDriver.RequestAddress", { PoolID: network.pools.v4, Address: "", Options: addressOptions }));
    const v6 = ok(
      await call("/IpamDriver.RequestAddress", {
        PoolID: network.pools.v6,
        Address: options.ip6 ?? "",
        Options: addressOptions,
      }),
    );
    const id = hex(32);
    const endpoint = { NetworkID: network.id, EndpointID: id };
    ok(
      await call("/NetworkDriver.CreateEndpoint", {
        ...endpoint,
        Interface: { Address: v4 ? v4.Address : "", AddressIPv6: v6.Address, MacAddress: mac },
        Options: {},
      }),
    );
    const join = ok(
      await call("/NetworkDriver.Join", {
        ...endpoint,
        SandboxKey: options.sandbox ?? `/var/run/docker/netns/${hex(6)}`,
        Options: {},
      }),
    );
    for (let i = 0; i < 2; i++) ok(await call("/NetworkDriver.EndpointOperInfo", endpoint));
    return { id, network, address: String(v6.Address), join };
  }

  /** Leave, DeleteEndpoint, ReleaseAddress (IPv4 first on 20.10). */
  async stop(endpoint: SimEndpoint): Promise<void> {
    const call = (path: string, body: unknown) => this.#plugin.call(path, body);
    const ids = { NetworkID: endpoint.network.id, EndpointID: endpoint.id };
    ok(await call("/NetworkDriver.Leave", ids));
    ok(await call("/NetworkDriver.DeleteEndpoint", ids));
    if (endpoint.network.pools.v4)
      ok(await call("/IpamDriver.ReleaseAddress", { PoolID: endpoint.network.pools.v4, Address: "0.0.0.0" }));
    ok(
      await call("/IpamDriver.ReleaseAddress", {
        PoolID: endpoint.network.pools.v6,
        Address: endpoint.address.split("/")[0],
      }),
    );
  }

  /** IPAM releases first, then DeleteNetwork (docker.md B2). */
  async removeNetwork(network: SimNetwork): Promise<void> {
    const call = (path: string, body: unknown) => this.#plugin.call(path, body);
    for (const pool of [network.pools.v4, network.pools.v6])
      if (pool) ok(await call("/IpamDriver.ReleasePool", { PoolID: pool }));
    ok(await call("/NetworkDriver.DeleteNetwork", { NetworkID: network.id }));
  }
}
