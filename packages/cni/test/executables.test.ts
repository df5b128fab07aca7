import { join } from "node:path";
import { mapPool } from "@own6/core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CniVars,
  cniBinDir,
  exec,
  expectConsistent,
  expectParallelAdds,
  failed,
  ok,
  requireBuild,
  storeOf,
  tempDir,
} from "./helpers.js";

// The built executables, as a runtime runs them: one process per call, through a symlink in a
// CNI bin directory. DAD is off here (no namespaces, no root); the lab tests run it for real.

const NETWORK = "own6-exec";
let bin: string;
let dataDir: string;

beforeAll(() => {
  requireBuild();
  bin = cniBinDir();
  dataDir = tempDir();
});

const config = (version = "1.0.0") =>
  JSON.stringify({
    cniVersion: version,
    name: NETWORK,
    type: "bridge",
    ipam: { type: "own6-ipam", prefix: "fd00:6:1::/64", dataDir, dad: { enabled: false } },
  });

const vars = (command: string, id: string): CniVars => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: id,
  CNI_NETNS: "/run/netns/none",
  CNI_IFNAME: "eth0",
  CNI_PATH: bin,
});

const ipam = (v: CniVars, stdin: string) => exec(join(bin, "own6-ipam"), v, stdin);

describe("the executables, through symlinks in a CNI bin directory (check 5 of the issue)", () => {
  it("answer VERSION (own6-ipam and own6-cni)", async () => {
    for (const name of ["own6-ipam", "own6-cni"]) {
      const out = ok(await exec(join(bin, name), { CNI_COMMAND: "VERSION" }, ""));
      expect(out.supportedVersions).toContain("1.0.0");
    }
  });

  it("report a failure as one JSON object on stdout and logs on stderr only", async () => {
    const r = await ipam({ CNI_COMMAND: "ADD" }, config());
    failed(r, 4);
    for (const line of r.stderr.trim().split("\n")) expect(JSON.parse(line)).toMatchObject({ plugin: "own6-ipam" });
    failed(await exec(join(bin, "own6-cni"), { ...vars("ADD", "c1"), CNI_IFNAME: "x".repeat(16) }, config()), 4);
  });

  it("24: keep reservations across processes: ADD, then CHECK and a repeated ADD in new processes", async () => {
    const result = ok(await ipam(vars("ADD", "persist"), config()));
    const withPrev = JSON.stringify({ ...JSON.parse(config()), prevResult: result });
    expect(await ipam(vars("CHECK", "persist"), withPrev)).toMatchObject({ status: 0, stdout: "" });
    expect(ok(await ipam(vars("ADD", "persist"), config()))).toEqual(result);
    expect(await ipam(vars("DEL", "persist"), config())).toMatchObject({ status: 0, stdout: "" });
    failed(await ipam(vars("CHECK", "persist"), withPrev), 3);
  });

  it("15: 50 parallel ADDs give 50 distinct addresses and a consistent store", async () => {
    await expectParallelAdds(50, (id) => ipam(vars("ADD", id), config()), dataDir, NETWORK);
  });

  it("15: a parallel mix of ADD and DEL loses and duplicates nothing", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `mix-${i}`);
    await mapPool(ids.slice(0, 15), 15, (id) => ipam(vars("ADD", id), config()).then(ok));
    const ops = ids.map((id, i) => (i < 15 && i % 2 === 0 ? ["DEL", id] : ["ADD", id]));
    const runs = await Promise.all(ops.map(([command, id]) => ipam(vars(command as string, id as string), config())));
    for (const r of runs) ok(r);
    const held = (await expectConsistent(dataDir, NETWORK)).map((a) => a.owner).filter((o) => o.startsWith("mix-"));
    const want = ops.filter(([c]) => c === "ADD").map(([, id]) => `${id}/eth0`);
    expect(held.sort()).toEqual(want.sort());
    expect((await storeOf(dataDir, NETWORK)).addresses.every((a) => a.networkId === NETWORK)).toBe(true);
  });
});
