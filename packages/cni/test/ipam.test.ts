import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Address, Prefix, parseSecret, rfc7217Iid } from "@own6/core";
import { beforeEach, describe, expect, it } from "vitest";
import { type CniVars, expectConsistent, failed, inProcess, ok, storeOf, tempDir } from "./helpers.js";

// The protocol checks of cni.md §5 that need no kernel, run in-process from source with DAD
// switched off: the store and the protocol are the same as in the executables, which
// executables.test.ts and the lab tests run for real.

const PREFIX = "2001:db8:1::/64";
const NETWORK = "own6-test";

let dataDir: string;
beforeEach(() => {
  dataDir = tempDir();
});

function config(version = "1.0.0", ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    cniVersion: version,
    name: NETWORK,
    type: "macvlan",
    master: "eth0",
    ipam: {
      type: "own6-ipam",
      prefix: PREFIX,
      dataDir,
      gateway: "fe80::1",
      routes: [{ dst: "::/0" }],
      dad: { enabled: false },
      ...ipam,
    },
    ...extra,
  });
}

function vars(command: string, id = "ctr1", ifname = "eth0", more: CniVars = {}): CniVars {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: "/run/netns/never",
    CNI_IFNAME: ifname,
    CNI_PATH: "/opt/cni/bin",
    ...more,
  };
}

const run = (v: CniVars, stdin: string) => inProcess("ipam", v, stdin);
const add = async (id = "ctr1", ifname = "eth0", stdin = config()) => ok(await run(vars("ADD", id, ifname), stdin));
const addressOf = (result: Record<string, unknown>) => (result.ips as { address: string }[])[0]?.address ?? "";

describe("own6-ipam: VERSION and malformed requests (checks 1-5, 23)", () => {
  it("1: answers VERSION with no other variables, with and without stdin", async () => {
    for (const stdin of ["", '{"cniVersion":"1.0.0"}']) {
      const out = ok(await run({ CNI_COMMAND: "VERSION" }, stdin));
      expect(out.cniVersion).toBe(stdin ? "1.0.0" : "1.1.0");
      expect(out.supportedVersions).toEqual(expect.arrayContaining(["1.0.0", "1.1.0"]));
    }
  });

  it("2: refuses versions it does not speak, before touching the store", async () => {
    for (const version of ["9.9.9", "1.2.0", "0.5.0"]) {
      const error = failed(await run(vars("ADD"), config(version)), 1);
      expect(error.details).toContain(version);
    }
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
  });

  it("3: names every missing variable; unknown commands are code 4", async () => {
    const error = failed(await run({ CNI_COMMAND: "ADD" }, config()), 4);
    expect(error.msg).toBe("required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
    expect(failed(await run(vars("ADD", "c", "eth0", { CNI_NETNS: undefined }), config()), 4).msg).toContain(
      "CNI_NETNS",
    );
    failed(await run(vars("ADDD"), config()), 4);
  });

  it("3: prints what it is when CNI_COMMAND is unset, like Go plugins", async () => {
    const r = await run({}, "");
    expect(r).toMatchObject({ status: 0, stdout: "" });
    expect(r.stderr).toContain("CNI protocol versions supported");
  });

  it("4: bad JSON is 6, a missing or bad name 7, a missing ipam or bad prefix or gateway 7", async () => {
    failed(await run(vars("ADD"), "{not json"), 6);
    failed(await run(vars("ADD"), JSON.stringify({ cniVersion: "1.0.0", ipam: {} })), 7);
    failed(await run(vars("ADD"), JSON.stringify({ cniVersion: "1.0.0", name: "a b", ipam: {} })), 7);
    failed(await run(vars("ADD"), JSON.stringify({ cniVersion: "1.0.0", name: NETWORK })), 7);
    failed(await run(vars("ADD"), config("1.0.0", { prefix: "2001:db8:1::/129" })), 7);
    failed(await run(vars("ADD"), config("1.0.0", { prefix: "2001:db8:1::1/64" })), 7);
    failed(await run(vars("ADD"), config("1.0.0", { gateway: "2001:db8:99::1" })), 7);
  });

  it("2 (unsupported field): refuses unknown keys in its own section, naming key and value", async () => {
    const error = failed(await run(vars("ADD"), config("1.0.0", { prefx: "x" })), 2);
    expect(error.msg).toContain('ipam.prefx="x"');
  });

  it("5: refuses bad interface names and container ids as the Go skel does", async () => {
    for (const ifname of ["a".repeat(16), "et/h0", "et:h0", "eth 0"])
      failed(await run(vars("ADD", "c1", ifname), config()), 4);
    failed(await run(vars("ADD", "-c1"), config()), 4);
    failed(await run(vars("ADD", "c 1"), config()), 4);
  });
});

describe("own6-ipam: ADD, DEL, CHECK (checks 6, 8-12, 19, 20)", () => {
  it("6: prints only the abbreviated result, in the input's version, inside the prefix", async () => {
    const r = await run(vars("ADD"), config());
    const result = ok(r);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(Object.keys(result).sort()).toEqual(["cniVersion", "ips", "routes"]);
    expect(result.cniVersion).toBe("1.0.0");
    const [ip] = result.ips as Record<string, unknown>[];
    expect(Object.keys(ip ?? {}).sort()).toEqual(["address", "gateway"]);
    const [text, length] = addressOf(result).split("/");
    expect(length).toBe("64");
    expect(Prefix.parse(PREFIX).contains(Address.parse(text ?? ""))).toBe(true);
    expect(result.routes).toEqual([{ dst: "::/0" }]);
  });

  it("8: the address is the prefix plus RFC 7217 of (network, container id, ifname) with the stored secret", async () => {
    const result = await add("web-1", "eth0");
    const secret = parseSecret(readFileSync(join(dataDir, "secret"), "utf8").trim());
    const want = rfc7217Iid({
      prefix: Prefix.parse(PREFIX),
      secret,
      owner: "web-1",
      ifname: "eth0",
      networkId: NETWORK,
    });
    expect(addressOf(result)).toBe(`${want.address}/64`);
    expect(statSync(join(dataDir, "secret")).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0);
  });

  it("8: DEL then ADD gives the same address; 100 ids give 100 addresses; two ifnames two", async () => {
    const first = addressOf(await add("ctr1"));
    ok(await run(vars("DEL"), config()));
    expect(addressOf(await add("ctr1"))).toBe(first);
    const many = new Set<string>();
    for (let i = 0; i < 100; i++) many.add(addressOf(await add(`id-${i}`)));
    expect(many.size).toBe(100);
    expect(addressOf(await add("ctr1", "net1"))).not.toBe(first);
    await expectConsistent(dataDir, NETWORK);
  });

  it("9: a repeated ADD returns the same result and keeps one reservation", async () => {
    const a = await add();
    const b = await add();
    expect(b).toEqual(a);
    expect((await storeOf(dataDir, NETWORK)).addresses).toHaveLength(1);
  });

  it("10: DEL is idempotent, and succeeds without netns, with a vanished one, and without prevResult", async () => {
    const result = await add();
    const withPrev = JSON.stringify({ ...JSON.parse(config()), prevResult: result });
    for (const netns of [undefined, "", "/run/netns/gone-for-good"]) {
      const r = await run(vars("DEL", "ctr1", "eth0", { CNI_NETNS: netns }), withPrev);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "" });
    }
    expect(await run(vars("DEL", "never-added"), config())).toMatchObject({ status: 0, stdout: "" });
    expect(await run(vars("DEL"), config())).toMatchObject({ status: 0, stdout: "" });
    // A fresh data directory: DEL of a never-added container creates nothing.
    const fresh = tempDir();
    expect(await run(vars("DEL"), config("1.0.0", { dataDir: fresh }))).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(fresh, NETWORK)).addresses).toEqual([]);
  });

  it("10: DEL succeeds even when the configuration went bad after ADD", async () => {
    await add();
    const bad = JSON.stringify({ ...JSON.parse(config()), ipam: { type: "own6-ipam", dataDir, prefix: "nonsense" } });
    expect(await run(vars("DEL"), bad)).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
  });

  it("11, 12: CHECK matches prevResult against the store", async () => {
    const result = await add();
    const check = (prev: unknown, id = "ctr1", version = "1.0.0") =>
      run(vars("CHECK", id), JSON.stringify({ ...JSON.parse(config(version)), prevResult: prev }));
    expect(await check(result)).toMatchObject({ status: 0, stdout: "" });
    failed(await check(result, "someone-else"), 3);
    const other = { ...result, ips: [{ address: "2001:db8:1::99/64" }] };
    failed(await check(other), 102);
    failed(await check(result, "ctr1", "0.3.1"), 1);
    ok(await run(vars("DEL"), config()));
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
    failed(await check(result), 3);
  });

  it("19: ignores the main plugin's keys, prevResult on ADD and runtimeConfig", async () => {
    const stdin = config(
      "1.0.0",
      {},
      {
        mode: "bridge",
        prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "eth0" }], ips: [] },
        runtimeConfig: { portMappings: [] },
        args: { cni: { labels: [] } },
      },
    );
    expect(addressOf(await add("ctr1", "eth0", stdin))).toMatch(/^2001:db8:1:/);
  });

  it("20: answers in each version's shape and never newer than asked", async () => {
    for (const version of ["0.3.0", "0.3.1", "0.4.0"]) {
      const result = await add(`v-${version}`, "eth0", config(version));
      expect(result.cniVersion).toBe(version);
      expect((result.ips as { version: string }[])[0]?.version).toBe("6");
    }
    const legacy = await add("v-0.2.0", "eth0", config("0.2.0"));
    expect(legacy).toMatchObject({ cniVersion: "0.2.0", ip6: { gateway: "fe80::1", routes: [{ dst: "::/0" }] } });
    const unversioned = await add("v-none", "eth0", JSON.stringify({ ...JSON.parse(config()), cniVersion: undefined }));
    expect(unversioned.cniVersion).toBe("0.1.0");
  });
});

describe("own6-ipam: arguments and requested addresses (checks 17, 18)", () => {
  it("17: accepts Kubernetes' CNI_ARGS; refuses unknown keys without IgnoreUnknown", async () => {
    const k8s = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=id";
    ok(await run(vars("ADD", "ctr1", "eth0", { CNI_ARGS: k8s }), config()));
    ok(await run(vars("ADD", "ctr2", "eth0", { CNI_ARGS: "IgnoreUnknown=1;FOO=bar" }), config()));
    failed(await run(vars("ADD", "ctr3", "eth0", { CNI_ARGS: "FOO=bar" }), config()), 4);
  });

  it("18: refuses requested addresses from args, runtimeConfig and CNI_ARGS with code 2", async () => {
    const ip = "2001:db8:1::5/64";
    failed(await run(vars("ADD"), config("1.0.0", {}, { args: { cni: { ips: [ip] } } })), 2);
    failed(await run(vars("ADD"), config("1.0.0", {}, { runtimeConfig: { ips: [ip] } })), 2);
    failed(await run(vars("ADD", "ctr1", "eth0", { CNI_ARGS: "IP=2001:db8:1::5" }), config()), 2);
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
  });
});

describe("own6-ipam: GC and STATUS (checks 21, 22, 14)", () => {
  const gcEnv: CniVars = {
    CNI_COMMAND: "GC",
    CNI_CONTAINERID: "",
    CNI_NETNS: "",
    CNI_IFNAME: "",
    CNI_ARGS: "",
    CNI_PATH: "/opt/cni/bin",
  };
  const gcConfig = (key: string, list: unknown[], version = "1.1.0") =>
    JSON.stringify({ ...JSON.parse(config(version)), [key]: list });

  it("21: releases every attachment not listed, keeps the listed ones, prints nothing", async () => {
    for (const id of ["a", "b", "c"]) await add(id);
    const keep = [{ containerID: "a", ifname: "eth0" }];
    const r = await run(gcEnv, gcConfig("cni.dev/valid-attachments", keep));
    expect(r).toMatchObject({ status: 0, stdout: "" });
    expect((await expectConsistent(dataDir, NETWORK)).map((a) => a.owner)).toEqual(["a/eth0"]);
  });

  it("21: an empty list releases all; the old key works; version 1.0.0 is refused", async () => {
    for (const id of ["a", "b"]) await add(id);
    failed(await run(gcEnv, gcConfig("cni.dev/valid-attachments", [], "1.0.0")), 1);
    ok(await run(gcEnv, gcConfig("cni.dev/attachments", [{ containerID: "b", ifname: "eth0" }])));
    expect((await storeOf(dataDir, NETWORK)).addresses.map((a) => a.owner)).toEqual(["b/eth0"]);
    ok(await run(gcEnv, gcConfig("cni.dev/valid-attachments", [])));
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
    failed(await run(gcEnv, config("1.1.0")), 7);
  });

  it("22: STATUS is 0 when ADD can be served, 50 when the data directory is unusable", async () => {
    const statusEnv: CniVars = { CNI_COMMAND: "STATUS", CNI_PATH: "/opt/cni/bin" };
    expect(await run(statusEnv, config("1.1.0"))).toMatchObject({ status: 0, stdout: "" });
    const file = join(tempDir(), "file");
    writeFileSync(file, "");
    failed(await run(statusEnv, config("1.1.0", { dataDir: join(file, "data") })), 50);
    failed(await run(statusEnv, config("1.0.0")), 1);
  });

  it("14: an ADD that fails on its store leaves nothing, and the runtime's DEL still succeeds", async () => {
    const file = join(tempDir(), "file");
    writeFileSync(file, "");
    const unusable = config("1.0.0", { dataDir: join(file, "data") });
    failed(await run(vars("ADD"), unusable), 5);
    expect(await run(vars("DEL"), unusable)).toMatchObject({ status: 0, stdout: "" });
    // A secret file gone bad is an I/O failure too, not an internal error.
    await add("c0");
    chmodSync(join(dataDir, "secret"), 0o600);
    writeFileSync(join(dataDir, "secret"), "not a secret\n");
    failed(await run(vars("ADD", "c1"), config()), 5);
    expect((await storeOf(dataDir, NETWORK)).addresses.map((a) => a.owner)).toEqual(["c0/eth0"]);
    // Releasing needs no secret: DEL still works.
    expect(await run(vars("DEL", "c0"), config())).toMatchObject({ status: 0, stdout: "" });
    expect((await storeOf(dataDir, NETWORK)).addresses).toEqual([]);
  });
});
