import { execFileSync, spawn } from "node:child_process";
import { Address } from "@own6/core";
import { Lab, waitForPrefixes } from "@own6/netlink";
import { DockerLab } from "../packages/docker/src/lab/docker-lab.js";
import { printTable } from "./lib/measure.js";

// Time from `docker run` to an address that answers HTTP from beyond the router, with own6
// (its DAD on the segment included: the kernel's default of one probe and 1000 ms, and a
// lab-fast 100 ms that shows the rest of own6's cost) against Docker's built-in macvlan driver
// with a static --ip6 (no DAD at all), in the same lab and the same run. Each sample is one container started alone, measured the same way for every
// driver: `docker run -d`, `docker inspect`, then a client in the lab's ext namespace polls
// http://[address]/ every 20 ms.

/**
 * What {@link run} measures.
 *
 * @example
 * ```ts
 * await run({ samples: 3 } satisfies DockerBenchOptions);
 * ```
 */
export interface DockerBenchOptions {
  /** Containers per driver; default 5. */
  readonly samples?: number;
}

const POLLER = `
const [address] = process.argv.slice(1);
for (;;) {
  try {
    const res = await fetch("http://[" + address + "]/", { signal: AbortSignal.timeout(500) });
    if (res.ok) { process.stdout.write(String(Date.now())); process.exit(0); }
  } catch {}
  await new Promise((r) => setTimeout(r, 20));
}`;

/** When (epoch ms) `address` first answered, polled from the lab's ext namespace. */
function firstAnswer(lab: Lab, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "ip",
      ["netns", "exec", lab.ext, process.execPath, "--input-type=module", "-e", POLLER, address],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(out));
      else reject(new Error(`${address} never answered`));
    });
  });
}

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "it needs root (network namespaces and a dockerd of its own)";
  for (const tool of ["dockerd", "docker", "busybox", "radvd"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is missing (apt-get install docker.io busybox-static radvd)`;
    }
  }
  return undefined;
}

/** Runs one container on `network` and returns the milliseconds until it answered. */
async function sample(docker: DockerLab, lab: Lab, network: string, name: string, ip6?: string): Promise<number> {
  const started = Date.now();
  const args = ["run", "-d", "--init", "--name", name, "--network", network, ...(ip6 ? ["--ip6", ip6] : [])];
  await docker.docker([...args, docker.image, "httpd", "-f", "-p", "80", "-h", "/www"]);
  const format = "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}";
  const address = (await docker.docker(["inspect", "--format", format, name])).trim();
  const answered = await firstAnswer(lab, address);
  await docker.docker(["rm", "-f", name]);
  return answered - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Measures and prints milliseconds from `docker run` to a reachable address per driver, and
 * each one's ratio to the built-in macvlan. Skips, saying why, without root or Docker.
 *
 * @example
 * ```ts
 * await run({ samples: 3 });
 * ```
 */
export async function run(options: DockerBenchOptions = {}): Promise<Record<string, string | number>[]> {
  const why = missing();
  if (why) {
    console.log(`docker: skipped, ${why}`);
    return [];
  }
  const samples = options.samples ?? 5;
  const lab = await Lab.create();
  let docker: DockerLab | undefined;
  try {
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 20_000);
    if (!learned) throw new Error("no prefix learned");
    docker = await DockerLab.start({ lab, pluginName: `${lab.tag}-d` });
    const times = new Map<string, number[]>();
    // The kernel's default DAD (one probe, 1000 ms), then a lab-fast one, which shows what own6
    // costs besides the wait DAD needs.
    for (const [mode, retransMs] of [
      ["macvlan", 1000],
      ["routed", 1000],
      ["routed", 100],
    ] as const) {
      if (retransMs !== 1000) {
        await docker.stopPlugin();
        await docker.startPlugin(["--dad-retrans-ms", String(retransMs)]);
      }
      const network = `own6-${mode}`;
      await docker.createNetwork(network, mode);
      const ms: number[] = [];
      for (let i = 0; i < samples; i++) ms.push(await sample(docker, lab, network, `${mode}-${i}`));
      times.set(`own6 ${mode} (DAD 1 x ${retransMs} ms)`, ms);
      await docker.docker(["network", "rm", network]);
    }
    // Docker 20.10 wants IPv4 on its own macvlan too; its IPv6 gateway defaults to ::1 of the
    // subnet, which is the lab router's address.
    const subnet = learned.prefix.toString();
    await docker.docker([
      "network",
      "create",
      "-d",
      "macvlan",
      "--ipv6",
      "--subnet",
      "192.0.2.0/24",
      "--subnet",
      subnet,
      "-o",
      `parent=${lab.uplink}`,
      "builtin",
    ]);
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const ip6 = Address.parse(`${learned.prefix.address.toString().replace(/::$/, "")}::b:${i + 1}`).toString();
      ms.push(await sample(docker, lab, "builtin", `builtin-${i}`, ip6));
    }
    times.set("docker macvlan, static --ip6 (no DAD)", ms);
    await docker.docker(["network", "rm", "builtin"]);
    const base = median(ms);
    const rows = [...times].map(([driver, xs]) => ({
      driver,
      samples: xs.length,
      "median ms": median(xs),
      "min ms": Math.min(...xs),
      "max ms": Math.max(...xs),
      "ratio to built-in": (median(xs) / base).toFixed(2),
    }));
    printTable(rows);
    return rows;
  } finally {
    await docker?.close();
    await lab.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
