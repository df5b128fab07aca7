import { randomBytes } from "node:crypto";
import { Prefix } from "@own6/core";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  AddressMonitor,
  addVeth,
  attachRouted,
  createMacvlan,
  dadSysctls,
  detachRouted,
  getLink,
  IpBatcher,
  ipBatch,
  kernelDadCheck,
  Lab,
  listLinks,
  listProxyNeighbors,
  NetlinkError,
  prepareRoutedHost,
  routeMacvlan,
  setLinkUp,
  setSysctls,
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
    const target = await createMacvlan(lab.hostUplink, { netns: path, ifname: "eth0" }, { dad, prefixLength: 64 });
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

  it("a shared batch runs many callers' commands and gives each only its own failures", async () => {
    const batch = new IpBatcher(lab.host);
    const veth = (i: number) => [["link", "add", `bt${i}a`, "type", "veth", "peer", "name", `bt${i}b`]];
    const results = await Promise.allSettled([
      batch.run(veth(1), "veth 1"),
      batch.run([["link", "set", "nosuch0", "up"]], "bring nosuch0 up"),
      batch.run([...veth(3), ["link", "set", "bt3a", "up"]], "veth 3"),
      batch.run(veth(1), "veth 1 again"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
    const [, missing, , again] = results.map((r) => (r.status === "rejected" ? r.reason : undefined));
    expect(missing).toBeInstanceOf(NetlinkError);
    expect(missing).toMatchObject({ operation: "bring nosuch0 up", errno: "ENODEV" });
    expect(again).toMatchObject({ operation: "veth 1 again", errno: "EEXIST" });
    expect((await getLink(lab.host, "bt3a"))?.up).toBe(true);
    expect(await getLink(lab.host, "bt1b")).toBeDefined();
  });

  it("macvlan by name: one host batch gives the host an id for the namespace, so DAD is heard, not polled", async () => {
    const netns = await lab.containerNetns();
    const container = { netns, ifname: "eth0" };
    const target = await createMacvlan(lab.hostUplink, container, { dad, prefixLength: 64, deferBringUp: true });
    expect((await getLink(netns, "eth0"))?.up).toBe(false);
    const heard: string[] = [];
    const stop = monitor.subscribe(
      (e) => e.kind === "address" && e.nsid !== "current" && heard.push(String(e.address)),
    );
    const address = random();
    expect(await kernelDadCheck(target, dad, monitor)(address)).toEqual({ status: "unique" });
    stop();
    expect(heard).toContain(address.toString());
    expect((await getLink(netns, "eth0"))?.carrier).toBe(true);
  });

  it("a link that loses carrier while DAD runs gives no verdict of unique", async () => {
    const [near, far] = [await lab.containerNetns(), await lab.containerNetns()];
    await addVeth(near, "eth0", far, "peer0");
    await ipBatch(far, [["link", "set", "peer0", "up"]], "bring peer0 up");
    await ipBatch(lab.host, [["netns", "set", near, "auto"]], "id for near");
    const slow = { ...dad, retransTimeMs: 1500 };
    await setSysctls(near, dadSysctls("eth0", slow));
    await setLinkUp(near, "eth0");
    const target = { ns: near, ifname: "eth0", prefixLength: 64, keep: true };
    const outcome = kernelDadCheck(target, slow, monitor)(random());
    await new Promise((resolve) => setTimeout(resolve, 500));
    await ipBatch(far, [["link", "set", "peer0", "down"]], "cut the carrier");
    expect(await outcome).toMatchObject({ status: "inconclusive", reason: expect.stringContaining("lost carrier") });
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
