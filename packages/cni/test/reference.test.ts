import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, type Prefix, parseSecret, rfc7217Iid } from "@own6/core";
import {
  addMacvlan,
  addVeth,
  deleteNetns,
  getLink,
  Lab,
  listAddresses,
  listRoutes,
  uplinkGateway,
  waitForPrefixes,
} from "@own6/netlink";
import { loadOrCreateSecret } from "@own6/sqlite";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type CniVars,
  cniBinDir,
  exec,
  expectConsistent,
  failed,
  ok,
  REFERENCE_BIN,
  requireBuild,
  storeOf,
  tempDir,
} from "./helpers.js";

// own6-ipam behind the real Debian reference plugins (/usr/lib/cni/macvlan, bridge, ptp), in a
// lab of namespaces: radvd on the uplink's segment, a squatter there to plant duplicates. The
// main plugins run in the lab's host namespace, where master "uplink0" lives, and exec
// own6-ipam from a CNI bin directory of symlinks, as a runtime's CNI_PATH would.

const NETWORK = "own6-lab";

describeAsRoot("own6-ipam behind the reference plugins", () => {
  let lab: Lab;
  let bin: string;
  let dataDir: string;
  let prefix: Prefix;
  let router: Address;

  beforeAll(async () => {
    requireBuild();
    lab = await Lab.create({ squatter: true });
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
    prefix = learned?.prefix as Prefix;
    router = (await uplinkGateway(lab.hostUplink)) as Address;
    bin = cniBinDir();
    dataDir = tempDir();
    loadOrCreateSecret(join(dataDir, "secret")); // what the first ADD would do, so each test can predict addresses
  });
  afterAll(async () => {
    await lab?.close();
  });

  const macvlan = (ipam: Record<string, unknown> = {}, name = NETWORK) => ({
    cniVersion: "1.0.0",
    name,
    type: "macvlan",
    master: lab.uplink,
    mode: "bridge",
    ipam: { type: "own6-ipam", uplink: lab.uplink, dataDir, routes: [{ dst: "::/0" }], ...ipam },
  });

  /** Runs `plugin` as the runtime would, in the lab's host namespace. */
  const runtime = (plugin: string, command: string, id: string, netns: string, conf: object, more: CniVars = {}) =>
    exec(
      join(plugin.startsWith("own6") ? bin : REFERENCE_BIN, plugin),
      {
        CNI_COMMAND: command,
        CNI_CONTAINERID: id,
        CNI_NETNS: netns === "" ? "" : `/run/netns/${netns}`,
        CNI_IFNAME: "eth0",
        CNI_PATH: `${bin}:${REFERENCE_BIN}`,
        OWN6_LOG_LEVEL: "info",
        ...more,
      },
      JSON.stringify(conf),
      lab.host,
    );

  const candidate = (id: string, dadCounter: number, network = NETWORK) => {
    const secret = parseSecret(readFileSync(join(dataDir, "secret"), "utf8").trim());
    return rfc7217Iid({ prefix, secret, owner: id, ifname: "eth0", networkId: network, dadCounter }).address;
  };

  const globalOn = async (netns: string) => (await listAddresses(netns, "eth0")).filter((a) => a.scope === "global");
  const addressOf = (result: Record<string, unknown>) => (result.ips as { address: string }[])[0]?.address ?? "";

  it("7: macvlan: eth0 gets the RFC 7217 address, DAD done, a default route via the router; CHECK, DEL", async () => {
    const netns = await lab.containerNetns();
    const result = ok(await runtime("macvlan", "ADD", "mv1", netns, macvlan()));
    expect(addressOf(result)).toBe(`${candidate("mv1", 0)}/64`);
    expect((result.ips as { gateway: string }[])[0]?.gateway).toBe(router.toString());
    const [onLink] = await globalOn(netns);
    expect(
      onLink && { address: String(onLink.address), tentative: onLink.tentative, dadfailed: onLink.dadfailed },
    ).toEqual({
      address: String(candidate("mv1", 0)),
      tentative: false,
      dadfailed: false,
    });
    expect((await listRoutes(netns)).find((r) => r.dst === "default")?.gateway).toBe(router.toString());
    const withPrev = { ...macvlan(), prevResult: result };
    expect(await runtime("macvlan", "CHECK", "mv1", netns, withPrev)).toMatchObject({ status: 0, stdout: "" });
    expect(await runtime("macvlan", "DEL", "mv1", netns, withPrev)).toMatchObject({ status: 0, stdout: "" });
    expect(await getLink(netns, "eth0")).toBeUndefined();
    expect((await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "mv1/eth0")).toEqual([]);
  });

  it("7: bridge: DAD runs on the container's veth before bridge switches DAD off", async () => {
    const netns = await lab.containerNetns();
    const conf = {
      cniVersion: "1.0.0",
      name: "own6-bridge",
      type: "bridge",
      bridge: "own6br0",
      ipam: { type: "own6-ipam", prefix: "2001:db8:2::/64", gateway: "fe80::1", dataDir, routes: [{ dst: "::/0" }] },
    };
    const r = await runtime("bridge", "ADD", "br1", netns, conf);
    const result = ok(r);
    expect(r.stderr).toContain(`"dad":"eth0 in /run/netns/${netns}"`);
    expect(addressOf(result)).toMatch(/^2001:db8:2:0:/);
    const [onLink] = await globalOn(netns);
    expect(`${onLink?.address}/64`).toBe(addressOf(result));
    expect(onLink?.dadfailed).toBe(false);
    expect(await runtime("bridge", "DEL", "br1", netns, conf)).toMatchObject({ status: 0, stdout: "" });
  });

  it("7: ptp: its veth does not exist when IPAM runs, so DAD probes from the uplink", async () => {
    const netns = await lab.containerNetns();
    const conf = {
      cniVersion: "1.0.0",
      name: "own6-ptp",
      type: "ptp",
      ipam: {
        type: "own6-ipam",
        prefix: "2001:db8:3::/64",
        uplink: lab.uplink,
        gateway: "fe80::1",
        dataDir,
        routes: [{ dst: "::/0" }],
        dad: { probeNetns: `${lab.tag}-dad` },
      },
    };
    const r = await runtime("ptp", "ADD", "pp1", netns, conf);
    const result = ok(r);
    expect(r.stderr).toContain(`"dad":"own6probe on ${lab.uplink} in ${lab.tag}-dad"`);
    const [onLink] = await globalOn(netns);
    expect(`${onLink?.address}/64`).toBe(addressOf(result));
    expect((await listRoutes(netns)).some((route) => route.dst === "default")).toBe(true);
    // The scratch probe keeps no address.
    expect((await listAddresses(`${lab.tag}-dad`, "own6probe")).filter((a) => a.scope === "global")).toEqual([]);
    expect(await runtime("ptp", "DEL", "pp1", netns, conf)).toMatchObject({ status: 0, stdout: "" });
  });

  it("13: a duplicate planted on the segment is never handed out: the next DAD counter's address is", async () => {
    const netns = await lab.containerNetns();
    await lab.squat(candidate("dup1", 0));
    const started = Date.now();
    const result = ok(await runtime("macvlan", "ADD", "dup1", netns, macvlan()));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(addressOf(result)).toBe(`${candidate("dup1", 1)}/64`);
    const onLink = await globalOn(netns);
    expect(onLink.map((a) => [String(a.address), a.dadfailed, a.tentative])).toEqual([
      [String(candidate("dup1", 1)), false, false],
    ]);
    const [record] = (await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "dup1/eth0");
    expect(record?.dadCounter).toBe(1);
  });

  it("16: when every candidate is a duplicate, code 100 passes through macvlan, nothing is reserved, DEL cleans up", async () => {
    const netns = await lab.containerNetns();
    for (const counter of [0, 1, 2]) await lab.squat(candidate("full1", counter));
    const error = failed(await runtime("macvlan", "ADD", "full1", netns, macvlan()), 100);
    expect(error.msg).toContain("after 3 tries");
    expect((await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "full1/eth0")).toEqual([]);
    expect(await runtime("macvlan", "DEL", "full1", netns, macvlan())).toMatchObject({ status: 0, stdout: "" });
    expect(await getLink(netns, "eth0")).toBeUndefined();
  });

  it("14: DAD that cannot decide (no carrier) fails with 11 and reserves nothing", async () => {
    const netns = await lab.containerNetns();
    await addVeth(netns, "eth0", netns, "peer0"); // peer0 stays down: no carrier
    const conf = macvlan({ dad: { timeoutMs: 500 } });
    failed(await exec(join(bin, "own6-ipam"), { ...vars("ADD", "nc1", netns) }, JSON.stringify(conf), lab.host), 11);
    expect((await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "nc1/eth0")).toEqual([]);
    expect(await exec(join(bin, "own6-ipam"), vars("DEL", "nc1", netns), JSON.stringify(conf), lab.host)).toMatchObject(
      {
        status: 0,
        stdout: "",
      },
    );
  });

  it("15: 50 parallel ADDs behind macvlan: 50 distinct DAD-proven addresses, a consistent store", async () => {
    const network = "own6-par";
    const netnses = await Promise.all(Array.from({ length: 50 }, () => lab.containerNetns()));
    const runs = await Promise.all(
      netnses.map((netns) => runtime("macvlan", "ADD", netns, netns, macvlan({}, network))),
    );
    const addresses = runs.map((r) => addressOf(ok(r)));
    expect(new Set(addresses).size).toBe(50);
    expect((await expectConsistent(dataDir, network)).length).toBe(50);
    const states = await Promise.all(netnses.map(globalOn));
    expect(states.every(([a]) => a && !a.dadfailed && !a.tentative)).toBe(true);
    const dels = await Promise.all(
      netnses.map((netns) => runtime("macvlan", "DEL", netns, netns, macvlan({}, network))),
    );
    for (const r of dels) expect(r).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(dataDir, network)).addresses).toEqual([]);
  });

  function vars(command: string, id: string, netns: string): CniVars {
    return { CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${netns}`, CNI_IFNAME: "eth0" };
  }

  it("SIGKILL in the middle of an ADD leaves the store consistent, the runtime's DEL cleans up, a retry gets the same address", async () => {
    const netns = await lab.containerNetns();
    await addMacvlan(lab.host, lab.uplink, netns, "eth0"); // what macvlan's ADD does before calling IPAM
    const slow = macvlan({ dad: { retransTimeMs: 5000 } });
    let pid = 0;
    const running = exec(join(bin, "own6-ipam"), vars("ADD", "kill1", netns), JSON.stringify(slow), lab.host, (p) => {
      pid = p;
    });
    const deadline = Date.now() + 10_000;
    while (!(await storeOf(dataDir, NETWORK)).addresses.some((a) => a.owner === "kill1/eth0")) {
      if (Date.now() > deadline) throw new Error("the ADD never claimed an address");
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, "SIGKILL");
    expect((await running).signal).toBe("SIGKILL");
    await expectConsistent(dataDir, NETWORK, false);
    const left = (await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "kill1/eth0");
    expect(left.map((a) => a.state)).toEqual(["tentative"]);
    expect(await runtime("macvlan", "DEL", "kill1", netns, macvlan())).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "kill1/eth0")).toEqual([]);
    expect(await getLink(netns, "eth0")).toBeUndefined();
    const retried = ok(await runtime("macvlan", "ADD", "kill1", netns, macvlan()));
    expect(addressOf(retried)).toBe(`${left[0]?.address}/64`);
    await expectConsistent(dataDir, NETWORK);
  });

  it("24: a DEL after the namespace vanished (a reboot) releases the address", async () => {
    const netns = await lab.containerNetns();
    ok(await runtime("macvlan", "ADD", "gone1", netns, macvlan()));
    await deleteNetns(netns);
    expect(await runtime("macvlan", "DEL", "gone1", netns, macvlan())).toMatchObject({ status: 0, stdout: "" });
    expect(await runtime("macvlan", "DEL", "gone1", "", macvlan())).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(dataDir, NETWORK)).addresses.filter((a) => a.owner === "gone1/eth0")).toEqual([]);
  });

  it("22: STATUS: 0 with the uplink's prefix, 50 for an uplink that learned none", async () => {
    const status = (uplink: string) =>
      exec(
        join(bin, "own6-ipam"),
        { CNI_COMMAND: "STATUS" },
        JSON.stringify({ ...macvlan({ uplink }), cniVersion: "1.1.0" }),
        lab.host,
      );
    expect(await status(lab.uplink)).toMatchObject({ status: 0, stdout: "" });
    expect(failed(await status("lo"), 50).msg).toContain("no usable prefix");
  });
});
