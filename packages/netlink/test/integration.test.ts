import { randomBytes } from "node:crypto";
import { type Address, mapPool, Prefix, type RenumberResult, rfc7217Iid } from "@own6/core";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type Attached,
  type AttachMode,
  ContainerNetwork,
  Lab,
  listAddresses,
  listLinks,
  listProxyNeighbors,
  listRoutes,
  ownerOf,
  waitForPrefixes,
} from "../src/index.js";

// The end-to-end proof of issue 4: radvd advertises a prefix, own6 gives 50 containers their own
// DAD-proven addresses in it, each serves HTTP on port 80, and a client beyond the router reaches
// every one and is seen with its own address. Then a squatter, a renumbering and the teardown.

const CONTAINERS = 50;
const dad = { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false };
const OLD = "2001:db8:1::/64";
const NEW = "2001:db8:2::/64";

for (const mode of ["macvlan", "routed"] as AttachMode[]) {
  describeAsRoot(`own6 on a real kernel, ${mode}`, () => {
    const secret = new Uint8Array(randomBytes(32));
    let lab: Lab;
    let network: ContainerNetwork;
    let prefix: Prefix;
    const attached: Attached[] = [];

    beforeAll(async () => {
      lab = await Lab.create({ squatter: true });
      const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
      if (!learned) throw new Error("no prefix learned");
      prefix = learned.prefix;
      network = await ContainerNetwork.open({
        host: lab.hostUplink,
        mode,
        prefixes: [prefix],
        secret,
        dad,
        networkId: "it",
        scratchNetns: `${lab.tag}-dad`,
      });
    });
    afterAll(async () => {
      network?.close();
      await lab?.close();
    });

    it("learns the prefix from radvd", () => {
      expect(String(prefix)).toBe(OLD);
    });

    it(`gives ${CONTAINERS} containers distinct addresses, each reachable from ext without NAT`, async () => {
      const netnses = await mapPool(Array.from({ length: CONTAINERS }), 8, () => lab.containerNetns());
      attached.push(...(await mapPool(netnses, 10, (netns) => network.attach({ netns, ifname: "eth0" }, netns))));
      const addresses = attached.map((a) => a.lease.address);
      expect(new Set(addresses.map(String)).size).toBe(CONTAINERS);
      expect(addresses.every((a) => prefix.contains(a))).toBe(true);
      await mapPool(attached, 8, (a) => lab.serve(a.container.netns, a.lease.address));
      const results = await lab.fetchFromExt(addresses);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      // The server saw the client's real address (no NAT) and getsockname() gave its own public address.
      expect(results.every((r) => r.client === lab.extAddress.toString())).toBe(true);
      expect(results.map((r) => r.local)).toEqual(addresses.map(String));
    });

    it("moves to the next DAD counter when a squatter holds the first candidate", async () => {
      const netns = await lab.containerNetns();
      const first = rfc7217Iid({ prefix, secret, owner: netns, ifname: "eth0", networkId: "it" });
      await lab.squat(first.address);
      const a = await network.attach({ netns, ifname: "eth0" }, netns);
      attached.push(a);
      expect(a.lease.dadCounter).toBe(first.dadCounter + 1);
      expect(a.lease.address.equals(first.address)).toBe(false);
      const [r] = await lab.fetchFromExt([first.address], 1500);
      expect(r?.local).not.toBe(first.address.toString()); // whoever answers there, it is not our container
    });

    it("follows the router's renumbering: containers get addresses in the new prefix, the old ones deprecate", async () => {
      const to = Prefix.parse(NEW);
      const renumbered = new Promise<RenumberResult>((resolve) => network.followRouterAdvertisements(resolve));
      await lab.advertise([
        { prefix, validLifetime: 600, preferredLifetime: 0 },
        { prefix: to, validLifetime: 3600, preferredLifetime: 1800 },
      ]);
      const result = await renumbered;
      expect(result.failed).toEqual([]);
      expect(result.moved).toHaveLength(attached.length);
      const sample = attached.slice(0, 10);
      for (const a of sample) {
        const onLink = await listAddresses(a.container.netns, "eth0");
        const moved = result.moved.find((l) => l.owner === ownerOf(a.container.netns, "eth0"));
        expect(moved && to.contains(moved.address)).toBe(true);
        expect(onLink.find((x) => moved && x.address.equals(moved.address))?.deprecated).toBe(false);
        expect(onLink.find((x) => x.address.equals(a.lease.address))?.deprecated).toBe(true);
      }
      const moved = sample.map((a) => result.moved.find((l) => l.owner === a.owner)?.address as Address);
      await mapPool(sample, 8, (a) => lab.serve(a.container.netns, moved[sample.indexOf(a)] as Address));
      const results = await lab.fetchFromExt(moved);
      expect(results.filter((r) => !r.ok)).toEqual([]);
    });

    it("tears down without leaving links, routes or proxy entries", async () => {
      await mapPool(attached, 10, (a) => network.detach(a.container, a.container.netns));
      expect(await listProxyNeighbors(lab.host)).toEqual([]);
      expect((await listLinks(lab.host)).filter((l) => l.ifname.startsWith("o6"))).toEqual([]);
      const leftover = (await listRoutes(lab.host)).filter(
        (r) => r.dst.endsWith("/128") || /^2001:db8:[12]::[0-9a-f:]+$/.test(r.dst),
      );
      expect(leftover).toEqual([]);
      for (const a of attached.slice(0, 5)) {
        expect((await listLinks(a.container.netns)).map((l) => l.ifname)).toEqual(["lo"]);
      }
      expect(network.allocator.size).toBe(0);
    });
  });
}
