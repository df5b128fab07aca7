import { Address, Prefix } from "@own6/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimDockerd } from "./support/dockerd.js";
import { TestPlugin } from "./support/plugin.js";

// Behaviour that depends on the Docker version (28+: IPv6-only networks, GwAllocCheck, the
// gateway from GatewayIPv6; 29+: the endpoint name) and on how own6 keys addresses.

let plugin: TestPlugin;
let dockerd: SimDockerd;
const bare = (address: string) => address.split("/")[0] ?? "";

beforeEach(async () => {
  plugin = new TestPlugin();
  await plugin.start();
  dockerd = new SimDockerd(plugin);
});
afterEach(() => plugin.close());

describe("Docker 28+", () => {
  it("GwAllocCheck tells Docker to allocate no gateway, and refuses a network that keeps IPv4", async () => {
    const options = (v4: boolean) => ({
      Options: { "com.docker.network.enable_ipv4": v4, "com.docker.network.generic": {} },
    });
    expect((await plugin.call("/NetworkDriver.GwAllocCheck", options(false))).body).toEqual({
      SkipIPv4: true,
      SkipIPv6: true,
    });
    const refused = await plugin.call("/NetworkDriver.GwAllocCheck", options(true));
    expect(refused.status).toBe(400);
    expect((refused.body as { Err: string }).Err).toMatch(/--ipv4=false/);
  });

  it("serves IPv6-only networks with no IPv4 pool at all", async () => {
    const network = await dockerd.createNetwork({ modern: true, mode: "routed", parent: "upl0" });
    expect(network.pools.v4).toBeUndefined();
    const c = await dockerd.run(network);
    expect(Prefix.parse(network.prefix).contains(Address.parse(bare(c.address)))).toBe(true);
    await dockerd.stop(c);
    await dockerd.removeNetwork(network);
  });

  it("relies on GatewayIPv6 for the routed default route, since a ::/0 static route next to it would fail", async () => {
    const routed = await dockerd.run(await dockerd.createNetwork({ modern: true, mode: "routed", parent: "upl0" }));
    expect(routed.join).toMatchObject({ GatewayIPv6: "fe80::1", StaticRoutes: [], DisableGatewayService: true });
    const legacy = await dockerd.run(
      await dockerd.createNetwork({ mode: "routed", parent: "upl0", subnet: "2001:db8:9::/64" }),
    );
    expect(legacy.join).toMatchObject({
      GatewayIPv6: "fe80::1",
      StaticRoutes: [{ Destination: "::/0", RouteType: 0, NextHop: "fe80::1" }],
    });
  });

  it("gives macvlan containers the two halves of the address space via the router, on every version", async () => {
    for (const modern of [true, false]) {
      const c = await dockerd.run(await dockerd.createNetwork({ modern, mode: "macvlan", parent: "uplink0" }));
      expect(c.join).not.toHaveProperty("GatewayIPv6");
      expect(c.join.StaticRoutes).toEqual([
        { Destination: "::/1", RouteType: 0, NextHop: "fe80::ff:fe00:2" },
        { Destination: "8000::/1", RouteType: 0, NextHop: "fe80::ff:fe00:2" },
      ]);
    }
  });
});

describe("stable addresses", () => {
  it("gives a container named by Docker 29+ its address back after a stop, a plugin restart and a new endpoint", async () => {
    const network = await dockerd.createNetwork({ mode: "routed", parent: "upl0" });
    const first = await dockerd.run(network, { name: "web-1" });
    await dockerd.stop(first);
    await plugin.restart();
    const again = await dockerd.run(network, { name: "web-1" });
    expect(again.address).toBe(first.address);
    expect(again.id).not.toBe(first.id);
    const other = await dockerd.run(network, { name: "web-2" });
    expect(other.address).not.toBe(first.address);
  });

  it("gives the same name in two networks of one prefix two addresses", async () => {
    const a = await dockerd.run(await dockerd.createNetwork({ mode: "routed", parent: "upl0" }), { name: "db" });
    const b = await dockerd.run(await dockerd.createNetwork({ mode: "macvlan", parent: "upl0" }), { name: "db" });
    expect(a.network.prefix).toBe(b.network.prefix);
    expect(bare(a.address)).not.toBe(bare(b.address));
  });

  it("does not key unnamed containers (Docker before 29) on their random MAC: each request is its own", async () => {
    const network = await dockerd.createNetwork({ mode: "macvlan", parent: "upl0" });
    const addresses = new Set<string>();
    for (let i = 0; i < 5; i++) addresses.add(bare((await dockerd.run(network)).address));
    expect(addresses.size).toBe(5);
  });

  it("keeps the addresses of running containers across a plugin restart and hands out others", async () => {
    const network = await dockerd.createNetwork({ mode: "routed", parent: "upl0" });
    const running = [await dockerd.run(network), await dockerd.run(network)];
    await plugin.restart();
    expect(await plugin.gauges()).toMatchObject({
      own6_docker_addresses: 2,
      own6_docker_endpoints: 2,
      own6_docker_leases: 2,
    });
    const late = await dockerd.run(network);
    expect(running.map((c) => c.address)).not.toContain(late.address);
    for (const c of [...running, late]) await dockerd.stop(c);
    expect(plugin.host.links).toEqual(new Set());
    expect(plugin.host.proxies).toEqual(new Set());
  });
});

describe("DAD before the reply", () => {
  it("moves on to the next candidate when the first is taken on the segment", async () => {
    const network = await dockerd.createNetwork({ mode: "macvlan", parent: "upl0" });
    const first = await dockerd.run(network, { name: "api" });
    await dockerd.stop(first);
    plugin.host.squatted.add(bare(first.address));
    const moved = await dockerd.run(network, { name: "api" });
    expect(moved.address).not.toBe(first.address);
    expect(plugin.host.dadChecks.slice(-2)).toEqual([bare(first.address), bare(moved.address)]);
  });

  it("gives --ip6 exactly its address, refuses it while in use or taken on the segment", async () => {
    const network = await dockerd.createNetwork({ mode: "macvlan", parent: "upl0", subnet: "2001:db8:4::/64" });
    const pinned = await dockerd.run(network, { ip6: "2001:db8:4::1234" });
    expect(pinned.address).toBe("2001:db8:4::1234/64");
    const request = { PoolID: network.pools.v6, Address: "2001:db8:4::1234", Options: {} };
    const inUse = await plugin.call("/IpamDriver.RequestAddress", request);
    expect([inUse.status, (inUse.body as { Err: string }).Err]).toEqual([400, expect.stringMatching(/in use/)]);
    plugin.host.squatted.add("2001:db8:4::99");
    const taken = await plugin.call("/IpamDriver.RequestAddress", { ...request, Address: "2001:db8:4::99" });
    expect([taken.status, (taken.body as { Err: string }).Err]).toEqual([
      500,
      expect.stringMatching(/DAD_RETRIES_EXHAUSTED/),
    ]);
    const foreign = await plugin.call("/IpamDriver.RequestAddress", { ...request, Address: "2001:db8:5::1" });
    expect(foreign.status).toBe(400);
  });
});

describe("--gateway", () => {
  it("is echoed to Docker and becomes the macvlan containers' next hop", async () => {
    const pool = (await plugin.call("/IpamDriver.RequestPool", { V6: true, Pool: "2001:db8:6::/64" })).body as Record<
      string,
      string
    >;
    const gateway = await plugin.call("/IpamDriver.RequestAddress", {
      PoolID: pool.PoolID,
      Address: "2001:db8:6::1",
      Options: { RequestAddressType: "com.docker.network.gateway" },
    });
    expect(gateway.body).toEqual({ Address: "2001:db8:6::1/64", Data: {} });
    const network = { NetworkID: "d".repeat(64), EndpointID: "e".repeat(64) };
    await plugin.call("/NetworkDriver.CreateNetwork", {
      NetworkID: network.NetworkID,
      Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": { parent: "upl0" } },
      IPv6Data: [{ Pool: "2001:db8:6::/64", Gateway: "2001:db8:6::1/64" }],
    });
    const address = (await plugin.call("/IpamDriver.RequestAddress", { PoolID: pool.PoolID, Address: "", Options: {} }))
      .body as { Address: string };
    await plugin.call("/NetworkDriver.CreateEndpoint", { ...network, Interface: { AddressIPv6: address.Address } });
    const join = (await plugin.call("/NetworkDriver.Join", { ...network, SandboxKey: "/var/run/docker/netns/abc" }))
      .body as Record<string, unknown>;
    expect(join.StaticRoutes).toEqual(
      ["::/1", "8000::/1"].map((Destination) => ({ Destination, RouteType: 0, NextHop: "2001:db8:6::1" })),
    );
  });
});

describe("one container on two own6 networks", () => {
  it("takes its default routes from the first network only, so the second Join adds no duplicate", async () => {
    const sandbox = "/var/run/docker/netns/0123456789ab";
    const first = await dockerd.run(await dockerd.createNetwork({ mode: "routed", parent: "upl0" }), { sandbox });
    const second = await dockerd.run(
      await dockerd.createNetwork({ mode: "routed", parent: "upl0", subnet: "2001:db8:7::/64" }),
      { sandbox },
    );
    expect(first.join.StaticRoutes).toHaveLength(1);
    expect(second.join.StaticRoutes).toEqual([]);
  });
});

describe("networks", () => {
  it("uses the RA prefix of the parent given by --ipam-opt, and refuses another -o parent for it", async () => {
    const pool = await plugin.call("/IpamDriver.RequestPool", { V6: true, Pool: "", Options: { parent: "uplink0" } });
    expect(pool.body).toMatchObject({ Pool: "2001:db8:1::/64" });
    const create = (parent: string) => ({
      NetworkID: "c".repeat(64),
      Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": { parent } },
      IPv4Data: [],
      IPv6Data: [{ Pool: "2001:db8:1::/64", Gateway: "2001:db8:1::/64" }],
    });
    const refused = await plugin.call("/NetworkDriver.CreateNetwork", create("upl0"));
    expect((refused.body as { Err: string }).Err).toMatch(/add --ipam-opt parent=upl0 \(or use -o parent=uplink0\)/);
    expect((await plugin.call("/NetworkDriver.CreateNetwork", create("uplink0"))).status).toBe(200);
    expect(plugin.host.prepared.get("uplink0")).toBe("macvlan");
  });

  it("refuses unknown options, bad modes, overlapping subnets and IPv4 subnets with a message that says what to do", async () => {
    const refusals: [string, unknown, RegExp][] = [
      [
        "/IpamDriver.RequestPool",
        { V6: true, Options: { prent: "x" } },
        /unknown --ipam-opt prent; own6 knows: parent/,
      ],
      ["/IpamDriver.RequestPool", { V6: false, Pool: "192.0.2.0/24" }, /IPv6-only/],
      ["/IpamDriver.RequestPool", { V6: true, Pool: "2001:db8:1::/64", SubPool: "2001:db8:1::/80" }, /--ip-range/],
      ["/IpamDriver.RequestPool", { V6: true, Pool: "ff02::/64" }, /--subnet ff02::\/64/],
      [
        "/NetworkDriver.GwAllocCheck",
        { Options: { "com.docker.network.generic": { mode: "bridge" } } },
        /use macvlan or routed/,
      ],
      ["/NetworkDriver.GwAllocCheck", { Options: { "com.docker.network.generic": { mtu: "1400" } } }, /unknown -o mtu/],
    ];
    for (const [path, body, message] of refusals) {
      const reply = await plugin.call(path, body);
      expect(reply.status, path).toBe(400);
      expect((reply.body as { Err: string }).Err).toMatch(message);
    }
    expect((await plugin.call("/IpamDriver.RequestPool", { V6: true, Pool: "2001:db8:a::/56" })).status).toBe(200);
    const overlap = await plugin.call("/IpamDriver.RequestPool", { V6: true, Pool: "2001:db8:a::/64" });
    expect((overlap.body as { Err: string }).Err).toMatch(/overlaps/);
  });
});
