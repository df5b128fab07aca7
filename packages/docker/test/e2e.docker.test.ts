import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Address, type Prefix } from "@own6/core";
import { Lab, listLinks, listNetns, listProxyNeighbors, listRoutes, waitForPrefixes } from "@own6/netlink";
import { describeAsRoot } from "@own6/testing";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { DockerLab } from "../src/lab/docker-lab.js";
import { gaugesOf } from "./support/plugin.js";

// The proof of issue 6 against a real dockerd (Debian 12's docker.io 20.10): the plugin and
// dockerd run in a namespace lab whose router advertises 2001:db8:1::/64; networks are created
// without --subnet, so the RA prefix is used; 20 containers per mode get distinct DAD-proven
// addresses and serve HTTP to a client beyond the router, which they see with its own address;
// the addresses survive a restart of dockerd and the plugin; and stop, rm and network rm leave
// nothing behind.

const PER_MODE = 20;
const MODES = ["macvlan", "routed"] as const;

interface Container {
  readonly name: string;
  readonly mode: (typeof MODES)[number];
  address?: string;
  prefixLength?: number;
}

async function inPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function requireTools(): void {
  for (const tool of ["dockerd", "docker", "busybox", "unshare", "nsenter", "radvd"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is missing: apt-get install docker.io busybox-static radvd (see scripts/setup.sh)`);
    }
  }
}

describeAsRoot("own6-docker with a real dockerd", () => {
  let lab: Lab;
  let docker: DockerLab;
  let prefix: Prefix;
  const containers: Container[] = MODES.flatMap((mode) =>
    Array.from({ length: PER_MODE }, (_, i) => ({ name: `${mode.slice(0, 3)}-${i + 1}`, mode })),
  );
  const network = (mode: Container["mode"]) => `o6-${mode}`;

  /** Each container's IPv6 address and prefix length, as Docker reports them. */
  async function inspect(names: readonly string[]): Promise<Map<string, { address: string; prefixLength: number }>> {
    const format =
      "{{.Name}} {{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}} {{.GlobalIPv6PrefixLen}}{{end}}";
    const out = await docker.docker(["inspect", "--format", format, ...names]);
    const found = new Map<string, { address: string; prefixLength: number }>();
    for (const line of out.trim().split("\n")) {
      const [name = "", address = "", length = ""] = line.trim().split(" ");
      found.set(name.replace(/^\//, ""), { address, prefixLength: Number(length) });
    }
    return found;
  }

  /** No links, proxy entries, routes, probe namespaces or plugin state left on the host. */
  async function expectNothingLeft(): Promise<void> {
    expect((await listLinks(lab.host)).map((l) => l.ifname).filter((n) => n.startsWith("o6"))).toEqual([]);
    expect(await listProxyNeighbors(lab.host)).toEqual([]);
    expect(
      (await listRoutes(lab.host)).filter((r) => r.dst.endsWith("/128") || /^2001:db8:1::[0-9a-f:]+$/.test(r.dst)),
    ).toEqual([]);
    expect((await listNetns()).filter((ns) => ns.startsWith(`${docker.pluginName}-dad`))).toEqual([]);
    expect(gaugesOf(await docker.pluginGet("/metrics"))).toEqual({
      own6_docker_pools: 0,
      own6_docker_networks: 0,
      own6_docker_endpoints: 0,
      own6_docker_addresses: 0,
      own6_docker_leases: 0,
    });
  }

  beforeAll(async () => {
    requireTools();
    lab = await Lab.create({ squatter: true });
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
    if (!learned) throw new Error("the lab's host learned no prefix");
    prefix = learned.prefix;
    docker = await DockerLab.start({ lab, pluginName: `${lab.tag}-d`, pluginArgs: ["--dad-retrans-ms", "200"] });
  }, 180_000);

  afterEach((context) => {
    if (context.task.result?.state === "fail" && docker) console.error(docker.logTail(40));
  });

  afterAll(async () => {
    await docker?.close();
    await lab?.close();
  }, 180_000);

  it("creates a macvlan and a routed network on the prefix the uplink learned from Router Advertisements", async () => {
    for (const mode of MODES) {
      await docker.createNetwork(network(mode), mode);
      const subnets = await docker.docker([
        "network",
        "inspect",
        "--format",
        "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
        network(mode),
      ]);
      expect(subnets.trim().split(" ")).toEqual(["0.0.0.0/0", prefix.toString()]);
    }
  }, 60_000);

  it(`runs ${PER_MODE} containers in each mode, each with its own address from the RA prefix`, async () => {
    await inPool(containers, 4, (c) =>
      docker.docker([
        "run",
        "-d",
        "--init",
        "--name",
        c.name,
        "--network",
        network(c.mode),
        docker.image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
      ]),
    );
    const found = await inspect(containers.map((c) => c.name));
    for (const c of containers) Object.assign(c, found.get(c.name));
    const addresses = containers.map((c) => c.address ?? "");
    expect(new Set(addresses).size).toBe(containers.length);
    expect(addresses.every((a) => prefix.contains(Address.parse(a)))).toBe(true);
    expect(containers.map((c) => c.prefixLength)).toEqual(containers.map((c) => (c.mode === "routed" ? 128 : 64)));
  }, 300_000);

  it("serves HTTP on port 80 of every address to ext, beyond the router, and sees ext's own address", async () => {
    const results = await lab.fetchFromExt(containers.map((c) => Address.parse(c.address ?? "")));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.every((r) => r.client === lab.extAddress.toString())).toBe(true);
  }, 120_000);

  it("keeps running containers on their addresses across a restart of dockerd and the plugin", async () => {
    await docker.stopDockerd();
    await docker.stopPlugin();
    await docker.startPlugin();
    await docker.startDockerd();
    const running = (await docker.docker(["ps", "--format", "{{.Names}}"])).trim().split("\n");
    expect(running.sort()).toEqual(containers.map((c) => c.name).sort());
    const found = await inspect(containers.map((c) => c.name));
    expect(containers.map((c) => found.get(c.name)?.address)).toEqual(containers.map((c) => c.address));
    const results = await lab.fetchFromExt(containers.map((c) => Address.parse(c.address ?? "")));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // The restarted plugin knows the addresses in use: a new container gets another one.
    await docker.docker([
      "run",
      "-d",
      "--init",
      "--name",
      "late",
      "--network",
      network("routed"),
      docker.image,
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/www",
    ]);
    const late = (await inspect(["late"])).get("late")?.address ?? "";
    expect(containers.map((c) => c.address)).not.toContain(late);
    expect((await lab.fetchFromExt([Address.parse(late)]))[0]?.ok).toBe(true);
    containers.push({ name: "late", mode: "routed", address: late });
  }, 300_000);

  it("gives each container exactly its one global address, no SLAAC address of its own and no IPv4", async () => {
    // By now the router has advertised its prefix to the macvlan containers several times.
    for (const c of [containers[0], containers[1], containers[PER_MODE]] as Container[]) {
      const out = await docker.docker(["exec", c.name, "ip", "addr", "show", "dev", "eth0"]);
      const global = [...out.matchAll(/inet6 (\S+)\/\d+ scope global/g)].map((m) => m[1]);
      expect(global).toEqual([c.address]);
      expect(out).not.toMatch(/\binet \d/);
    }
    const autoconf = await docker.docker(["exec", "mac-1", "cat", "/proc/sys/net/ipv6/conf/eth0/autoconf"]);
    expect(autoconf.trim()).toBe("0");
    const dad = /own6_docker_dad_total\{outcome="unique"\} (\d+)/.exec(await docker.pluginGet("/metrics"));
    expect(Number(dad?.[1])).toBeGreaterThan(0);
  }, 60_000);

  it("proves a pinned --ip6 address by DAD on the segment: a squatted one is refused, a free one served", async () => {
    await docker.createNetwork("o6-pinned", "routed", ["--subnet", prefix.toString()]);
    const squatted = Address.parse(`${prefix.address.toString().replace(/::$/, "")}::bad`);
    await lab.squat(squatted);
    const refused = docker.docker([
      "run",
      "-d",
      "--init",
      "--name",
      "squatted",
      "--network",
      "o6-pinned",
      "--ip6",
      squatted.toString(),
      docker.image,
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/www",
    ]);
    await expect(refused).rejects.toThrow(/DAD_RETRIES_EXHAUSTED|dadfailed/);
    await docker.docker(["rm", "-f", "squatted"]).catch(() => undefined);
    const free = Address.parse(`${prefix.address.toString().replace(/::$/, "")}::beef`);
    await docker.docker([
      "run",
      "-d",
      "--init",
      "--name",
      "pinned",
      "--network",
      "o6-pinned",
      "--ip6",
      free.toString(),
      docker.image,
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/www",
    ]);
    expect((await inspect(["pinned"])).get("pinned")?.address).toBe(free.toString());
    expect((await lab.fetchFromExt([free]))[0]).toMatchObject({ ok: true, client: lab.extAddress.toString() });
    await docker.docker(["rm", "-f", "pinned"]);
    await docker.docker(["network", "rm", "o6-pinned"]);
  }, 120_000);

  it("leaves nothing behind after docker stop, rm and network rm", async () => {
    await inPool(containers, 4, (c) => docker.docker(["stop", c.name]));
    await docker.docker(["rm", ...containers.map((c) => c.name)]);
    await docker.docker(["network", "rm", network("macvlan"), network("routed")]);
    await expectNothingLeft();
  }, 180_000);

  it("runs the quickstart (examples/docker/quickstart.sh) as written, and its down step cleans up", async () => {
    const script = fileURLToPath(new URL("../../../examples/docker/quickstart.sh", import.meta.url));
    const env = { ...docker.env, OWN6: docker.pluginName, PARENT: lab.uplink, MODE: "routed" };
    const out = execFileSync("sh", [script], { env, encoding: "utf8", timeout: 120_000 });
    const address = /answers on http:\/\/\[([0-9a-f:]+)\]\//.exec(out)?.[1] ?? "";
    expect(prefix.contains(Address.parse(address))).toBe(true);
    const page = await lab.exec(lab.ext, process.execPath, [
      "-e",
      `fetch("http://[${address}]/").then((r) => r.text()).then((t) => process.stdout.write(t))`,
    ]);
    expect(page.trim()).toBe(`Hello from ${address}, you are [${lab.extAddress}]`);
    execFileSync("sh", [script, "down"], { env, timeout: 120_000 });
    await expectNothingLeft();
  }, 180_000);

  it("brings --restart always containers back after dockerd restarts without live restore, which replays only RequestAddress", async () => {
    await docker.createNetwork("o6-replay", "routed");
    const names = ["always-1", "always-2"];
    for (const name of names) {
      await docker.docker([
        "run",
        "-d",
        "--init",
        "--restart",
        "always",
        "--name",
        name,
        "--network",
        "o6-replay",
        docker.image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
      ]);
    }
    await docker.stopDockerd();
    await docker.stopPlugin();
    await docker.startPlugin();
    await docker.startDockerd({ liveRestore: false });
    const back = await waitUntil(async () => {
      const found = await inspect(names);
      return names.every((n) => found.get(n)?.address) ? found : undefined;
    });
    const addresses = names.map((n) => Address.parse(back.get(n)?.address ?? ""));
    expect(addresses.every((a) => prefix.contains(a))).toBe(true);
    expect((await lab.fetchFromExt(addresses)).filter((r) => !r.ok)).toEqual([]);
    await docker.docker(["rm", "-f", ...names]);
    await docker.docker(["network", "rm", "o6-replay"]);
    await expectNothingLeft();
  }, 180_000);
});
