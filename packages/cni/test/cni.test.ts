import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Address, type Prefix, parseSecret, rfc7217Iid } from "@own6/core";
import {
  addVeth,
  deleteAddress,
  deleteNetns,
  deleteProxyNeighbor,
  getLink,
  hostVethName,
  Lab,
  listAddresses,
  listLinks,
  listProxyNeighbors,
  waitForPrefixes,
} from "@own6/netlink";
import { loadOrCreateSecret } from "@own6/sqlite";
import { describeAsRoot } from "@own6/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cniBinDir, exec, expectConsistent, failed, ok, requireBuild, storeOf, tempDir } from "./helpers.js";

// own6-cni doing the whole job in the lab: radvd advertises the prefix on the uplink's segment,
// own6-cni attaches containers by macvlan or routed veth, and a client beyond the router
// reaches each one at its own address, without NAT.

type Mode = "macvlan" | "routed";

describeAsRoot("own6-cni in the lab", () => {
  let lab: Lab;
  let bin: string;
  let dataDir: string;
  let prefix: Prefix;

  beforeAll(async () => {
    requireBuild();
    lab = await Lab.create({ squatter: true });
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
    prefix = learned?.prefix as Prefix;
    bin = cniBinDir();
    dataDir = tempDir();
    loadOrCreateSecret(join(dataDir, "secret"));
  });
  afterAll(async () => {
    await lab?.close();
  });

  const conf = (mode: Mode, extra: Record<string, unknown> = {}) => ({
    cniVersion: "1.0.0",
    name: `own6-${mode}`,
    type: "own6-cni",
    mode,
    master: lab.uplink,
    dataDir,
    dad: { probeNetns: `${lab.tag}-dad` },
    ...extra,
  });

  const run = (command: string, id: string, netns: string, config: object) =>
    exec(
      join(bin, "own6-cni"),
      {
        CNI_COMMAND: command,
        CNI_CONTAINERID: id,
        CNI_NETNS: netns === "" ? "" : `/run/netns/${netns}`,
        CNI_IFNAME: "eth0",
        CNI_PATH: bin,
      },
      JSON.stringify(config),
      lab.host,
    );

  const candidate = (id: string, mode: Mode, dadCounter: number) => {
    const secret = parseSecret(readFileSync(join(dataDir, "secret"), "utf8").trim());
    return rfc7217Iid({ prefix, secret, owner: id, ifname: "eth0", networkId: `own6-${mode}`, dadCounter }).address;
  };
  const ipOf = (result: Record<string, unknown>) =>
    (result.ips as { address: string; gateway?: string; interface: number }[])[0] ?? { address: "", interface: -1 };
  const addressOf = (result: Record<string, unknown>) => Address.parse(ipOf(result).address.split("/")[0] ?? "");
  const records = async (mode: Mode, owner: string) =>
    (await storeOf(dataDir, `own6-${mode}`)).addresses.filter((a) => a.owner === owner);

  for (const mode of ["macvlan", "routed"] as Mode[]) {
    const bits = mode === "macvlan" ? 64 : 128;

    it(`${mode}: containers get their own addresses, reachable from beyond the router without NAT; CHECK passes`, async () => {
      const netnses = await Promise.all([1, 2, 3].map(() => lab.containerNetns()));
      const results = await Promise.all(netnses.map(async (netns) => ok(await run("ADD", netns, netns, conf(mode)))));
      for (const [i, result] of results.entries()) {
        const netns = netnses[i] as string;
        expect(ipOf(result).address).toBe(`${candidate(netns, mode, 0)}/${bits}`);
        const interfaces = result.interfaces as { name: string; sandbox?: string }[];
        expect(interfaces[ipOf(result).interface]).toMatchObject({ name: "eth0", sandbox: `/run/netns/${netns}` });
        if (mode === "routed") {
          expect(interfaces[0]?.name).toBe(hostVethName({ netns: `/run/netns/${netns}`, ifname: "eth0" }));
          expect(ipOf(result).gateway).toBe("fe80::1");
        }
        expect(result.routes).toEqual([{ dst: "::/0", gw: ipOf(result).gateway }]);
        const withPrev = { ...conf(mode), prevResult: result };
        expect(await run("CHECK", netns, netns, withPrev)).toMatchObject({ status: 0, stdout: "" });
      }
      const addresses = results.map(addressOf);
      await Promise.all(netnses.map((netns, i) => lab.serve(netns, addresses[i] as Address)));
      const echoes = await lab.fetchFromExt(addresses);
      expect(echoes.filter((e) => !e.ok)).toEqual([]);
      expect(echoes.every((e) => e.client === lab.extAddress.toString())).toBe(true);
      expect(echoes.map((e) => e.local)).toEqual(addresses.map(String));
      await expectConsistent(dataDir, `own6-${mode}`);
    });

    it(`${mode}: a duplicate on the segment is never handed out; the next identifier is`, async () => {
      const netns = await lab.containerNetns();
      await lab.squat(candidate(netns, mode, 0));
      const result = ok(await run("ADD", netns, netns, conf(mode)));
      expect(addressOf(result).equals(candidate(netns, mode, 1))).toBe(true);
      const [onLink] = (await listAddresses(netns, "eth0")).filter((a) => a.scope === "global");
      expect(onLink && [String(onLink.address), onLink.dadfailed]).toEqual([String(candidate(netns, mode, 1)), false]);
      expect((await records(mode, `${netns}/eth0`))[0]?.dadCounter).toBe(1);
    });

    it(`${mode}: a repeated ADD returns the attachment as it is; CHECK finds a broken one (103)`, async () => {
      const netns = await lab.containerNetns();
      const result = ok(await run("ADD", netns, netns, conf(mode)));
      expect(ok(await run("ADD", netns, netns, conf(mode)))).toEqual(result);
      expect(await records(mode, `${netns}/eth0`)).toHaveLength(1);
      const address = addressOf(result);
      if (mode === "macvlan") await deleteAddress(netns, "eth0", address, bits);
      else await deleteProxyNeighbor(lab.host, lab.uplink, address);
      failed(await run("CHECK", netns, netns, { ...conf(mode), prevResult: result }), 103);
      failed(await run("CHECK", netns, netns, conf(mode)), 7); // prevResult is required
      failed(await run("CHECK", "stranger", netns, { ...conf(mode), prevResult: result }), 3);
    });

    it(`${mode}: DEL removes links, proxy entries and the reservation, also once the namespace is gone`, async () => {
      const [live, gone] = [await lab.containerNetns(), await lab.containerNetns()];
      const results = [ok(await run("ADD", live, live, conf(mode))), ok(await run("ADD", gone, gone, conf(mode)))];
      await deleteNetns(gone);
      expect(await run("DEL", live, live, conf(mode))).toMatchObject({ status: 0, stdout: "" });
      expect(await run("DEL", gone, gone, conf(mode))).toMatchObject({ status: 0, stdout: "" });
      expect(await run("DEL", gone, "", conf(mode))).toMatchObject({ status: 0, stdout: "" });
      expect(await getLink(live, "eth0")).toBeUndefined();
      const proxied = await listProxyNeighbors(lab.host);
      for (const result of results) expect(proxied).not.toContain(String(addressOf(result)));
      const hostVeths = (await listLinks(lab.host)).map((l) => l.ifname);
      for (const netns of [live, gone])
        expect(hostVeths).not.toContain(hostVethName({ netns: `/run/netns/${netns}`, ifname: "eth0" }));
      expect([...(await records(mode, `${live}/eth0`)), ...(await records(mode, `${gone}/eth0`))]).toEqual([]);
    });
  }

  it("routed: an ADD finds the veth an interrupted ADD left behind, and replaces it", async () => {
    const netns = await lab.containerNetns();
    await addVeth(lab.host, hostVethName({ netns: `/run/netns/${netns}`, ifname: "eth0" }), netns, "eth0");
    const result = ok(await run("ADD", netns, netns, conf("routed")));
    expect(await run("CHECK", netns, netns, { ...conf("routed"), prevResult: result })).toMatchObject({ status: 0 });
  });

  it("routed: GC releases unlisted attachments and removes their proxy entries; listed ones stay", async () => {
    const [keep, drop] = [await lab.containerNetns(), await lab.containerNetns()];
    const kept = addressOf(ok(await run("ADD", keep, keep, conf("routed"))));
    const dropped = addressOf(ok(await run("ADD", drop, drop, conf("routed"))));
    await deleteNetns(drop); // the runtime lost the container; only GC knows
    const gc = {
      ...conf("routed", { cniVersion: "1.1.0" }),
      "cni.dev/valid-attachments": [{ containerID: keep, ifname: "eth0" }],
    };
    expect(
      await exec(join(bin, "own6-cni"), { CNI_COMMAND: "GC", CNI_PATH: bin }, JSON.stringify(gc), lab.host),
    ).toMatchObject({
      status: 0,
      stdout: "",
    });
    const proxied = await listProxyNeighbors(lab.host);
    expect(proxied).toContain(String(kept));
    expect(proxied).not.toContain(String(dropped));
    expect(await records("routed", `${drop}/eth0`)).toEqual([]);
    expect(await records("routed", `${keep}/eth0`)).toHaveLength(1);
  });

  it("STATUS: 0 when the uplink is up with a prefix; 50 when it is missing", async () => {
    const status = (master: string) =>
      exec(
        join(bin, "own6-cni"),
        { CNI_COMMAND: "STATUS", CNI_PATH: bin },
        JSON.stringify(conf("routed", { cniVersion: "1.1.0", master })),
        lab.host,
      );
    expect(await status(lab.uplink)).toMatchObject({ status: 0, stdout: "" });
    failed(await status("nosuchlink"), 50);
  });
});
