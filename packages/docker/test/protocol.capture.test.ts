import { Address, Prefix } from "@own6/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaptureReplay, type Exchange, loadCapture } from "./support/capture.js";
import { TestPlugin } from "./support/plugin.js";

// Replays every request dockerd 20.10.24 sent in docker-capture-20.10.jsonl (eight scenarios:
// lifecycle, error formats, IPv6 variants, macvlan, veth + proxy NDP, a daemon restart, the
// IPv4-less workaround, an IPv4 gateway) against the real plugin server with a fake host, and
// checks each reply against what dockerd needs; the plugin restarts where dockerd did.

const lines = loadCapture();
const plugin = new TestPlugin();
let replay: CaptureReplay;

const code = (e: Exchange | { reply: { body: unknown } }) => String((e.reply.body as { Err?: string }).Err);
const of = (url: string) => replay.exchanges.filter((e) => e.url === url);
const body = (e: Exchange) => e.reply.body as Record<string, unknown>;

beforeAll(async () => {
  await plugin.start();
  replay = new CaptureReplay(
    (url, sent) => plugin.call(url, sent),
    (url, reply) => {
      const err = String((reply.body as { Err?: string }).Err);
      // Deliberate: an IPv4 --subnet (own6 is IPv6-only), and a network without --ipv6.
      if (url === "/IpamDriver.RequestPool" && /IPv6-only/.test(err)) return { url, code: "IPV4", continues: false };
      if (url === "/NetworkDriver.CreateNetwork" && /needs --ipv6/.test(err))
        return { url, code: "NO_IPV6", continues: true };
      return undefined;
    },
  );
  await replay.replay(lines, async (step) => {
    if (step === "dockerd start again") await plugin.restart();
  });
});

afterAll(() => plugin.close());

describe("replaying dockerd 20.10's capture", () => {
  it("answers every request the capture's plugin answered with 200, but the two own6 refuses on purpose", () => {
    expect(replay.exchanges.length).toBeGreaterThan(170);
    expect(replay.deviations.map((d) => d.code)).toEqual(["NO_IPV6", "IPV4"]);
    const failed = replay.exchanges.filter((e) => e.reply.status !== 200);
    expect(failed.map((e) => e.url)).toEqual(["/NetworkDriver.CreateNetwork", "/IpamDriver.RequestPool"]);
  });

  it("replies with Docker's media type and JSON, also to the empty bodies of Activate and the capability calls", () => {
    expect(new Set(replay.exchanges.map((e) => e.reply.contentType))).toEqual(
      new Set(["application/vnd.docker.plugins.v1.2+json"]),
    );
    const empty = replay.exchanges.filter((e) => e.sent === null).map((e) => e.url);
    expect(new Set(empty)).toEqual(
      new Set([
        "/Plugin.Activate",
        "/NetworkDriver.GetCapabilities",
        "/IpamDriver.GetCapabilities",
        "/IpamDriver.GetDefaultAddressSpaces",
      ]),
    );
    expect(body(of("/Plugin.Activate")[0] as Exchange)).toEqual({ Implements: ["NetworkDriver", "IpamDriver"] });
    expect(body(of("/NetworkDriver.GetCapabilities")[0] as Exchange)).toMatchObject({
      Scope: "local",
      ConnectivityScope: "local",
    });
    expect(body(of("/IpamDriver.GetCapabilities")[0] as Exchange)).toEqual({
      RequiresMACAddress: true,
      RequiresRequestReplay: false,
    });
  });

  it("answers IPv4 with the 0.0.0.0/0 pool, gateway and address (Docker 20.10 insists on IPv4)", () => {
    const v4Pools = of("/IpamDriver.RequestPool").filter((e) => e.sent?.V6 === false && e.reply.status === 200);
    expect(v4Pools.length).toBeGreaterThan(5);
    for (const e of v4Pools)
      expect(body(e)).toMatchObject({ Pool: "0.0.0.0/0", Data: { "com.docker.network.gateway": "0.0.0.0/0" } });
    const v4Addresses = of("/IpamDriver.RequestAddress").filter((e) => body(e).Address === "0.0.0.0/0");
    expect(v4Addresses.length).toBeGreaterThan(5);
    // No v4 gateway RequestAddress reached the plugin: the pool's Data named it.
    expect(
      of("/IpamDriver.RequestAddress").filter(
        (e) => (e.sent?.Options as Record<string, string> | undefined)?.RequestAddressType,
      ),
    ).toEqual([]);
  });

  it("hands out IPv6 pools with the subnet asked for, or the parent's RA prefix, and a gateway in Data", () => {
    const v6 = of("/IpamDriver.RequestPool").filter((e) => e.sent?.V6 === true);
    for (const e of v6) {
      const asked = String(e.sent?.Pool);
      expect(body(e).Pool).toBe(asked === "" ? "2001:db8:3::/64" : asked);
      expect(String(body(e).PoolID)).toMatch(/^[0-9a-f:]+\/\d+@[0-9a-f]{8}$/);
      expect((body(e).Data as Record<string, string>)["com.docker.network.gateway"]).toBe(
        `${Prefix.parse(String(body(e).Pool)).address}/64`,
      );
    }
    expect(v6.some((e) => e.sent?.Pool === "")).toBe(true);
  });

  it("gives each container a DAD-proven address in its pool, /128 in routed networks, exactly the one asked with --ip6", () => {
    const v6 = of("/IpamDriver.RequestAddress").filter((e) => body(e).Address !== "0.0.0.0/0");
    expect(v6.length).toBeGreaterThanOrEqual(8);
    for (const e of v6) {
      const [address = "", length] = String(body(e).Address).split("/");
      expect(plugin.host.dadChecks).toContain(Address.parse(address).toString());
      expect(["64", "128"]).toContain(length);
      if (e.sent?.Address) expect(address).toBe(e.sent.Address);
    }
    const routed = v6.filter((e) => e.scenario.startsWith("veth + proxy NDP"));
    expect(routed.map((e) => String(body(e).Address).split("/")[1])).toEqual(["128", "128"]);
    expect(v6.map((e) => body(e).Address).filter((a) => String(a).startsWith("2001:db8:4::1234"))).toEqual([
      "2001:db8:4::1234/64",
    ]);
  });

  it("joins with a link of its own, default routes for 20.10 and no gateway service", () => {
    const joins = of("/NetworkDriver.Join");
    expect(joins.length).toBeGreaterThanOrEqual(8);
    for (const e of joins) {
      const reply = body(e);
      const src = (reply.InterfaceName as { SrcName: string }).SrcName;
      expect(src).toMatch(/^o6[mc][0-9a-f]{12}$/);
      expect(src.slice(3)).toBe(String(e.sent?.EndpointID).slice(0, 12));
      expect(reply.InterfaceName).toEqual({ SrcName: src, DstPrefix: "eth" });
      expect(reply.DisableGatewayService).toBe(true);
      expect(reply).not.toHaveProperty("Gateway");
    }
    const routed = joins.filter((e) => e.scenario.startsWith("veth + proxy NDP"));
    expect(routed).toHaveLength(2);
    for (const e of routed) {
      expect(body(e).GatewayIPv6).toBe("fe80::1");
      expect(body(e).StaticRoutes).toEqual([{ Destination: "::/0", RouteType: 0, NextHop: "fe80::1" }]);
    }
    // Macvlan containers hear the router's RAs, which may install ::/0 first: two halves instead.
    const macvlan = joins.filter((e) => !routed.includes(e));
    for (const e of macvlan) {
      expect(body(e)).not.toHaveProperty("GatewayIPv6");
      expect(body(e).StaticRoutes).toEqual(
        ["::/1", "8000::/1"].map((Destination) => ({ Destination, RouteType: 0, NextHop: "fe80::ff:fe00:1" })),
      );
    }
    expect(plugin.host.quieted.map(([endpoint]) => endpoint)).toEqual(macvlan.map((e) => e.sent?.EndpointID));
  });

  it("keeps working across a plugin restart where dockerd restarted: the old PoolIDs and network still serve", () => {
    const after = replay.exchanges.filter(
      (e) => e.step === "dockerd start again" && e.scenario.startsWith("dockerd restart"),
    );
    expect(after.map((e) => e.url)).toEqual([
      "/Plugin.Activate",
      "/NetworkDriver.GetCapabilities",
      "/IpamDriver.GetCapabilities",
      "/IpamDriver.GetDefaultAddressSpaces",
      "/IpamDriver.RequestAddress",
      "/IpamDriver.RequestAddress",
      "/NetworkDriver.CreateEndpoint",
      "/NetworkDriver.Join",
      "/NetworkDriver.EndpointOperInfo",
      "/NetworkDriver.EndpointOperInfo",
    ]);
    expect(after.every((e) => e.reply.status === 200)).toBe(true);
  });

  it("answers the calls own6 has nothing to do for with the empty replies Docker expects", () => {
    for (const e of of("/NetworkDriver.EndpointOperInfo")) expect(body(e)).toEqual({ Value: {} });
    for (const url of [
      "/NetworkDriver.Leave",
      "/NetworkDriver.DeleteEndpoint",
      "/IpamDriver.ReleaseAddress",
      "/IpamDriver.ReleasePool",
    ]) {
      expect(of(url).length).toBeGreaterThan(0);
      for (const e of of(url)) expect(body(e)).toEqual({});
    }
  });

  it("leaves nothing behind once every network is removed: no links, proxy entries, pools, addresses or leases", async () => {
    expect(plugin.host.links).toEqual(new Set());
    expect(plugin.host.proxies).toEqual(new Set());
    expect(plugin.host.prepared).toEqual(new Map());
    expect(await plugin.gauges()).toEqual({
      own6_docker_pools: 0,
      own6_docker_networks: 0,
      own6_docker_endpoints: 0,
      own6_docker_addresses: 0,
      own6_docker_leases: 0,
    });
  });

  it("refuses the IPv4 subnet and the network without --ipv6 with both Err and Error", () => {
    const refused = replay.exchanges.filter((e) => e.reply.status !== 200);
    for (const e of refused) {
      expect(e.reply.status).toBe(400);
      expect(Object.keys(body(e)).sort()).toEqual(["Err", "Error"]);
      expect(body(e).Err).toBe(body(e).Error);
      expect(code(e)).not.toBe("");
    }
  });
});
