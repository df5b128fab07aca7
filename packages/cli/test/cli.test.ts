import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeAsRoot } from "@own6/testing";
import { describe, expect, it } from "vitest";
import { runSimDemo } from "../src/demo/sim-run.js";
import { main } from "../src/main.js";
import { VERSION } from "../src/version.js";

const bin = fileURLToPath(new URL("../bin/own6", import.meta.url));

async function own6(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { status, stdout, stderr };
}

const SYSTEMD = ["--algorithm", "systemd", "--secret", "86b123b969ba4b7eb8b3d8605123525a", "--ifname", "veth99"];

describe("own6 iid", () => {
  it("reproduces the kernel's worked example", async () => {
    const r = await own6(
      "iid",
      "--prefix",
      "2001:db8:1::/64",
      "--algorithm",
      "linux",
      "--secret",
      "2001:db8:ffff::1234",
    );
    expect(r).toEqual({ status: 0, stdout: "2001:db8:1:0:67a3:c246:5e61:bec7\n", stderr: "" });
  });

  it.each([
    ["2002:da8:1::/64", "2002:da8:1:0:b47e:7975:fc7a:7d6e"],
    ["2002:da8:2::/64", "2002:da8:2:0:f689:561a:8eda:7443"],
  ])("reproduces systemd's vector for %s", async (prefix, address) => {
    const r = await own6("iid", "--prefix", prefix, ...SYSTEMD, "--hwaddr", "12:34:56:78:9a:bc");
    expect(r.stdout).toBe(`${address}\n`);
  });

  it("prints JSON with --json", async () => {
    const r = await own6(
      "iid",
      "--prefix",
      "2001:db8::/64",
      "--algorithm",
      "eui64",
      "--hwaddr",
      "12:34:56:78:9a:bc",
      "--json",
    );
    expect(JSON.parse(r.stdout)).toEqual({
      address: "2001:db8::1034:56ff:fe78:9abc",
      prefix: "2001:db8::/64",
      algorithm: "eui64",
      iid: "103456fffe789abc",
      dadCounter: 0,
    });
  });

  it("takes the secret in all three forms and is deterministic", async () => {
    const forms = [
      "86b123b969ba4b7eb8b3d8605123525a",
      "86b123b9-69ba-4b7e-b8b3-d8605123525a",
      "86b1:23b9:69ba:4b7e:b8b3:d860:5123:525a",
    ];
    const outputs = await Promise.all(
      forms.map((s) => own6("iid", "--prefix", "2001:db8::/64", "--owner", "web-1", "--secret", s)),
    );
    expect(new Set(outputs.map((o) => o.stdout)).size).toBe(1);
    expect(outputs[0]?.stdout).toMatch(/^2001:db8::/);
  });

  it("moves to another address with --dad-counter", async () => {
    const base = [
      "iid",
      "--prefix",
      "2001:db8::/64",
      "--owner",
      "web-1",
      "--secret",
      "86b123b969ba4b7eb8b3d8605123525a",
    ];
    const a = await own6(...base);
    const b = await own6(...base, "--dad-counter", "1");
    expect(a.stdout).not.toBe(b.stdout);
  });

  it.each([
    [["--prefix", "ff02::/64", "--owner", "x", "--secret", "86b123b969ba4b7eb8b3d8605123525a"], /PREFIX_MULTICAST/],
    [["--prefix", "2001:db8::1/64", "--owner", "x"], /did you mean 2001:db8::\/64/],
    [["--prefix", "2001:db8::/64", "--owner", "x"], /--secret is required/],
    [["--prefix", "2001:db8::/64", "--secret", "nothex"], /SECRET_INVALID/],
    [["--prefix", "2001:db8::/64", "--algorithm", "md5"], /--algorithm must be/],
    [["--prefix", "2001:db8::/64", "--algorithm", "eui64"], /--hwaddr is required/],
    [["--prefix", "2001:db8::/80", ...SYSTEMD], /IID_PREFIX_LENGTH/],
    [["--prefix", "2001:db8::/64", "--bogus"], /Unknown option '--bogus'/],
    [["--prefix", "2001:db8::/64", "--owner", "x", "--dad-counter", "-1"], /./],
    [[], /--prefix is required/],
  ])("rejects bad input %j with one line and status 2", async (args, message) => {
    const r = await own6("iid", ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  });
});

describe("own6", () => {
  it("prints help and version", async () => {
    expect((await own6("--help")).stdout).toContain("own6 <command>");
    expect((await own6("iid", "--help")).stdout).toContain("--algorithm");
    expect((await own6("--version")).stdout).toBe(`${VERSION}\n`);
  });

  it("keeps VERSION equal to the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });

  it("rejects an unknown command", async () => {
    const r = await own6("frobnicate");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it("demo rejects bad options with status 2", async () => {
    expect((await own6("demo", "--containers", "0")).status).toBe(2);
    expect((await own6("demo", "--mode", "bridge")).stderr).toMatch(/--mode must be macvlan or routed/);
  });
});

describe("own6 demo on the simulated link (the no-root path)", () => {
  it("gives every container a unique address and catches the squatter with DAD", async () => {
    const result = await runSimDemo(30, () => undefined);
    expect(result).toMatchObject({ mode: "simulated", containers: 30, unique: 30, reachable: null, conflicts: 1 });
    expect(result.rows[1]?.dadCounter).toBe(1);
    expect(result.rows.every((r) => r.address.startsWith("2001:db8:1:0:"))).toBe(true);
  });
});

describeAsRoot("own6 demo in the namespace lab (the main job)", () => {
  it("brings up containers that are unique, reachable from outside and NAT-free", () => {
    const out = execFileSync(bin, ["demo", "--containers", "12", "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const summary = JSON.parse(out.trim().split("\n").at(-1) ?? "");
    expect(summary).toMatchObject({
      prefix: "2001:db8:1::/64",
      mode: "routed",
      containers: 12,
      unique: 12,
      reachable: 12,
      natFree: 12,
      conflicts: 1,
    });
  });
});

describe("the built executable", () => {
  const built = existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)));

  it("runs from a checkout after the build (pnpm build)", () => {
    expect(built, "packages/cli/dist is missing: run `pnpm build` (the README's first command does)").toBe(true);
    const out = execFileSync(
      bin,
      ["iid", "--prefix", "2001:db8:1::/64", "--algorithm", "linux", "--secret", "2001:db8:ffff::1234"],
      {
        encoding: "utf8",
      },
    );
    expect(out).toBe("2001:db8:1:0:67a3:c246:5e61:bec7\n");
  });

  it("exits 2 with one line on bad input", () => {
    const r = spawnSync(bin, ["iid", "--prefix", "nonsense"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
