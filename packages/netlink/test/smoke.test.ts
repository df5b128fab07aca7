import { randomBytes } from "node:crypto";
import { Prefix } from "@own6/core";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  AddressMonitor,
  attachRouted,
  createMacvlan,
  detachRouted,
  kernelDadCheck,
  Lab,
  listLinks,
  listProxyNeighbors,
  prepareRoutedHost,
  routeMacvlan,
  waitForPrefixes,
} from "../src/index.js";

const dad = { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false };

describeAsRoot("netlink smoke", () => {
  let lab: Lab;
  let monitor: AddressMonitor;
  let prefix: Prefix;

  beforeAll(async () => {
    lab = await Lab.create({ squatter: true });
    monitor = AddressMonitor.start(lab.host);
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
    prefix = learned?.prefix ?? Prefix.parse("::/0");
  });
  afterAll(async () => {
    monitor?.close();
    await lab?.close();
  });

  const random = () => prefix.withIid(new Uint8Array(randomBytes(8)));

  it("learns the prefix from radvd", () => {
    expect(prefix.toString()).toBe("2001:db8:1::/64");
  });

  it("macvlan, with the namespace given as a path as CNI runtimes do: unique, then a squatted duplicate", async () => {
    const netns = await lab.containerNetns();
    const path = `/run/netns/${netns}`;
    const target = await createMacvlan(lab.hostUplink, { netns: path, ifname: "eth0" }, dad, 64);
    const check = kernelDadCheck(target, dad, monitor);
    const address = random();
    expect(await check(address)).toEqual({ status: "unique" });
    const taken = random();
    await lab.squat(taken);
    expect((await check(taken)).status).toBe("duplicate");
    await routeMacvlan(lab.hostUplink, { netns: path, ifname: "eth0" });
    await lab.serve(netns, address);
    const [r] = await lab.fetchFromExt([address]);
    expect(r).toMatchObject({ ok: true, client: lab.extAddress.toString(), local: address.toString() });
  });

  it("routed: DAD on the segment, reachable, and torn down", async () => {
    const probe = await prepareRoutedHost(lab.hostUplink, dad, `${lab.tag}-dad`);
    const check = kernelDadCheck(probe, dad, monitor);
    const taken = random();
    await lab.squat(taken);
    expect((await check(taken)).status).toBe("duplicate");
    const address = random();
    expect(await check(address)).toEqual({ status: "unique" });
    const netns = await lab.containerNetns();
    const container = { netns, ifname: "eth0" };
    await attachRouted(lab.hostUplink, container, address);
    await lab.serve(netns, address);
    const [r] = await lab.fetchFromExt([address]);
    expect(r).toMatchObject({ ok: true, client: lab.extAddress.toString(), local: address.toString() });
    await detachRouted(lab.hostUplink, container, address);
    expect(await listProxyNeighbors(lab.host, lab.uplink)).toEqual([]);
    expect((await listLinks(lab.host)).map((l) => l.ifname).filter((n) => n.startsWith("o6"))).toEqual([]);
  });
});
