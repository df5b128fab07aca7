import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Address, Prefix, rfc7217Iid } from "@own6/core";
import { addAddress, addNetns, addVeth, deleteNetns, listNetns, setLinkUp, setSysctls } from "@own6/netlink";
import { printTable } from "./lib/measure.js";

// own6's CNI plugins against the Debian reference plugins, invoked the same way (one process per
// call, the configuration on stdin, inside a host namespace whose uplink is one end of a veth):
// own6-ipam against host-local, directly and behind macvlan, with DAD off and on, one call at a
// time and 32 at once; the same through own6-cnid, the resident daemon, with the compiled client
// as the executable (the daemon started before the clock, as a runtime's host runs it); own6-cni
// routed against ptp + host-local; a duplicate planted on the segment. Every figure is a median
// wall time from this run, so only the ratios carry over. OWN6_BENCH_QUICK=1 measures fewer DAD
// rounds and leaves out the routed and duplicate rows.

const REFERENCE = "/usr/lib/cni";
const OWN6_BIN = join(fileURLToPath(new URL(".", import.meta.url)), "..", "packages", "cni", "bin");
const NATIVE_BIN = join(OWN6_BIN, "native");
const PREFIX = "2001:db8:1::";
const CONCURRENT = 32;

/** What {@link run} measures. */
export interface CniBenchOptions {
  /** Sequential ADD+DEL cycles per case without DAD; default 15. */
  readonly rounds?: number;
  /** Sequential cycles per case with DAD (the reference waits up to ~2 s each); default 4. */
  readonly dadRounds?: number;
}

type Row = Record<"case" | "reference" | "own6" | "own6 ÷ reference" | "target", string>;

interface Topology {
  readonly host: string;
  readonly peer: string;
  readonly containers: readonly string[];
  readonly dir: string;
  readonly tag: string;
}

/** How a call reaches own6: the Node executables, or the compiled clients and own6-cnid's socket. */
type Via = { readonly path: string; readonly socket?: string };
const NODE: Via = { path: OWN6_BIN };

async function topology(): Promise<Topology> {
  const tag = `o6b-${randomBytes(2).toString("hex")}`;
  const host = `${tag}-host`;
  const peer = `${tag}-peer`;
  await addNetns(host);
  await addNetns(peer);
  await addVeth(host, "v0", peer, "v1");
  await setLinkUp(host, "v0");
  await setLinkUp(peer, "v1");
  const containers: string[] = [];
  for (let i = 0; i < CONCURRENT; i++) {
    const name = `${tag}-c${i}`;
    await addNetns(name);
    containers.push(name);
  }
  return { host, peer, containers, tag, dir: mkdtempSync(join(tmpdir(), "own6-bench-")) };
}

async function teardown(t: Topology): Promise<void> {
  for (const ns of (await listNetns()).filter((n) => n.startsWith(`${t.tag}-`))) await deleteNetns(ns);
  rmSync(t.dir, { recursive: true, force: true });
}

/** One plugin call, as a runtime makes it, in the topology's host namespace; resolves with its wall time. */
function call(
  t: Topology,
  program: string,
  command: string,
  id: string,
  netns: string,
  config: object,
  via: Via = NODE,
): Promise<number> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: `/run/netns/${netns}`,
    CNI_IFNAME: "eth0",
    CNI_PATH: `${via.path}:${REFERENCE}`,
    OWN6_LOG_LEVEL: "error",
    ...(via.socket && { OWN6_CNI_SOCKET: via.socket }),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("nsenter", [`--net=/run/netns/${t.host}`, "--", program], { env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${program} ${command} ${id} failed: ${out.trim()}`));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

interface Timing {
  readonly add: number;
  readonly del: number;
}

/** Median ADD and DEL wall time over `rounds` sequential cycles. */
async function sequential(
  t: Topology,
  program: string,
  config: object,
  rounds: number,
  label: string,
  via: Via = NODE,
): Promise<Timing> {
  const adds: number[] = [];
  const dels: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [id, netns] = [`${label}-${i}`, t.containers[i % t.containers.length] as string];
    adds.push(await call(t, program, "ADD", id, netns, config, via));
    dels.push(await call(t, program, "DEL", id, netns, config, via));
  }
  return { add: median(adds), del: median(dels) };
}

/** Wall time of 32 ADDs at once, then of their 32 DELs at once. */
async function concurrent(
  t: Topology,
  program: string,
  config: object,
  label: string,
  via: Via = NODE,
): Promise<Timing> {
  const batch = async (command: string) => {
    const started = performance.now();
    await Promise.all(t.containers.map((netns, i) => call(t, program, command, `${label}-${i}`, netns, config, via)));
    return performance.now() - started;
  };
  return { add: await batch("ADD"), del: await batch("DEL") };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

function rows(name: string, ref: Timing, own: Timing, addTarget: number | undefined): Row[] {
  const row = (op: "add" | "del", target: number | undefined): Row => {
    const ratio = own[op] / ref[op];
    return {
      case: `${name}: ${op.toUpperCase()}`,
      reference: ms(ref[op]),
      own6: ms(own[op]),
      "own6 ÷ reference": `${ratio.toFixed(2)}x`,
      target: target === undefined ? "-" : `<= ${target}x ${ratio <= target ? "met" : "MISSED"}`,
    };
  };
  return [row("add", addTarget), row("del", undefined)];
}

/** The same network both ways: a gateway (so macvlan waits for DAD when there is DAD) and a default route. */
function ipamConfigs(t: Topology, type: "macvlan" | "direct", dad: boolean) {
  const routes = [{ dst: "::/0" }];
  const main = type === "macvlan" ? { type: "macvlan", master: "v0", mode: "bridge" } : {};
  const base = { cniVersion: "1.0.0", name: `bench-${type}-${dad ? "dad" : "nodad"}`, ...main };
  return {
    reference: {
      ...base,
      ipam: {
        type: "host-local",
        dataDir: join(t.dir, "host-local"),
        ranges: [[{ subnet: `${PREFIX}/64`, gateway: "fe80::1" }]],
        routes,
      },
    },
    own6: {
      ...base,
      ipam: {
        type: "own6-ipam",
        prefix: `${PREFIX}/64`,
        dataDir: join(t.dir, "own6"),
        gateway: "fe80::1",
        routes,
        dad: { enabled: dad },
      },
    },
  };
}

/**
 * Kernel settings for interfaces created later in the container namespaces: `accept_dad` (0
 * switches DAD off for both plugins' links, so ConfigureIface's settle returns at once) and
 * `router_solicitation_delay` (0 drops DAD's initial random delay). The other half of own6's
 * timers, a 100 ms retransmission, cannot be given to host-local's links: `net.ipv6.neigh.default`
 * exists only in the root namespace, which the benchmark leaves alone.
 */
async function containerDefaults(t: Topology, acceptDad: number, solicitationDelay: number): Promise<void> {
  const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", "default", name], value });
  for (const ns of t.containers) {
    await setSysctls(ns, [conf("accept_dad", acceptDad), conf("router_solicitation_delay", solicitationDelay)]);
  }
}

async function startupRows(t: Topology, daemon: Via): Promise<Row[]> {
  const version = async (program: string, via = NODE) => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push(await call(t, program, "VERSION", "v", t.containers[0] as string, {}, via));
    return median(times);
  };
  const reference = await version(join(REFERENCE, "host-local"));
  const row = (name: string, own6: number): Row => ({
    case: name,
    reference: ms(reference),
    own6: ms(own6),
    "own6 ÷ reference": `${(own6 / reference).toFixed(2)}x`,
    target: "-",
  });
  return [
    row("start-up (VERSION: process start, module load, answer)", await version(join(OWN6_BIN, "own6-ipam"))),
    row("  the same through own6-cnid (compiled client)", await version(join(NATIVE_BIN, "own6-ipam"), daemon)),
  ];
}

/**
 * Starts own6-cnid in the topology's host namespace, where the runtime runs the plugins (the
 * daemon serves only callers in its own namespaces), and resolves once it listens.
 */
function startDaemon(t: Topology): Promise<{ via: Via; stop: () => Promise<void> }> {
  const socket = join(t.dir, "cnid", "cni.sock");
  const daemon = join(OWN6_BIN, "own6-cnid");
  const child = spawn("nsenter", [`--net=/run/netns/${t.host}`, "--", daemon, "--socket", socket], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OWN6_LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const stop = () => {
    child.kill("SIGTERM");
    return exited;
  };
  return new Promise((resolve, reject) => {
    let log = "";
    child.stderr.on("data", (d) => (log += d));
    // It logs "listening" at info, below this run's level: the socket itself says it is up.
    const poll = setInterval(() => {
      if (!existsSync(socket)) return;
      clearInterval(poll);
      resolve({ via: { path: NATIVE_BIN, socket }, stop });
    }, 20);
    void exited.then(() => {
      clearInterval(poll);
      reject(new Error(`own6-cnid exited: ${log}`));
    });
  });
}

/**
 * Runs the CNI benchmark (root only: it builds namespaces), prints its table and returns the
 * rows. The plugins must be built (`pnpm build`).
 *
 * @example
 * ```ts
 * await run({ rounds: 5, dadRounds: 2 }); // a quick run
 * ```
 */
export async function run(options: CniBenchOptions = {}): Promise<Row[]> {
  if (process.getuid?.() !== 0) {
    console.log("cni: skipped, it needs root (network namespaces)");
    return [];
  }
  if (!existsSync(join(OWN6_BIN, "..", "dist", "ipam.js"))) {
    console.log("cni: skipped, the plugins are not built; run pnpm build");
    return [];
  }
  if (!existsSync(join(NATIVE_BIN, "own6-ipam"))) {
    console.log("cni: skipped, the native client is not built; install cc and run pnpm build");
    return [];
  }
  const quick = process.env.OWN6_BENCH_QUICK === "1";
  const rounds = options.rounds ?? 15;
  const dadRounds = options.dadRounds ?? (quick ? 2 : 4);
  const t = await topology();
  const hostLocal = join(REFERENCE, "host-local");
  const macvlan = join(REFERENCE, "macvlan");
  const own6Ipam = join(OWN6_BIN, "own6-ipam");
  const client = join(NATIVE_BIN, "own6-ipam");
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  try {
    daemon = await startDaemon(t);
    const cnid = daemon.via;
    const out: Row[] = await startupRows(t, cnid);
    const direct = ipamConfigs(t, "direct", false);
    const [refOne, refMany] = [
      await sequential(t, hostLocal, direct.reference, rounds, "d"),
      await concurrent(t, hostLocal, direct.reference, "dc"),
    ];
    out.push(
      ...rows("IPAM alone, no DAD, one at a time", refOne, await sequential(t, own6Ipam, direct.own6, rounds, "d"), 2),
      ...rows("  the same through own6-cnid", refOne, await sequential(t, client, direct.own6, rounds, "dd", cnid), 2),
      ...rows(
        `IPAM alone, no DAD, ${CONCURRENT} at once (batch)`,
        refMany,
        await concurrent(t, own6Ipam, direct.own6, "dc"),
        2,
      ),
      ...rows("  the same through own6-cnid", refMany, await concurrent(t, client, direct.own6, "ddc", cnid), 2),
    );
    const plain = ipamConfigs(t, "macvlan", false);
    await containerDefaults(t, 0, 1);
    const [plainOne, plainMany] = [
      await sequential(t, macvlan, plain.reference, rounds, "m"),
      await concurrent(t, macvlan, plain.reference, "mc"),
    ];
    out.push(
      ...rows(
        "macvlan + IPAM, DAD off in the namespaces, one at a time",
        plainOne,
        await sequential(t, macvlan, plain.own6, rounds, "m"),
        2,
      ),
      ...rows(
        "  the same through own6-cnid",
        plainOne,
        await sequential(t, macvlan, plain.own6, rounds, "md-", cnid),
        2,
      ),
      ...rows(
        `macvlan + IPAM, DAD off, ${CONCURRENT} at once (batch)`,
        plainMany,
        await concurrent(t, macvlan, plain.own6, "mc"),
        2,
      ),
      ...rows("  the same through own6-cnid", plainMany, await concurrent(t, macvlan, plain.own6, "mdc-", cnid), 2),
    );
    await containerDefaults(t, 1, 1);
    const dad = ipamConfigs(t, "macvlan", true);
    const ownDad = await sequential(t, macvlan, dad.own6, dadRounds, "md");
    const [dadOne, dadMany] = [
      await sequential(t, macvlan, dad.reference, dadRounds, "md"),
      await concurrent(t, macvlan, dad.reference, "mdc"),
    ];
    out.push(
      ...rows("macvlan + IPAM, DAD (kernel defaults), one at a time", dadOne, ownDad, 1.1),
      ...rows(
        "  the same through own6-cnid",
        dadOne,
        await sequential(t, macvlan, dad.own6, dadRounds, "mdd", cnid),
        1.1,
      ),
      ...rows(
        `macvlan + IPAM, DAD, ${CONCURRENT} at once (batch)`,
        dadMany,
        await concurrent(t, macvlan, dad.own6, "mdc"),
        1.1,
      ),
      ...rows("  the same through own6-cnid", dadMany, await concurrent(t, macvlan, dad.own6, "mddc", cnid), 1.1),
    );
    await containerDefaults(t, 1, 0);
    out.push(
      ...rows(
        "  the same, without DAD's initial random delay",
        await sequential(t, macvlan, dad.reference, dadRounds, "mt"),
        ownDad,
        undefined,
      ),
    );
    await containerDefaults(t, 1, 1);
    if (!quick) {
      out.push(...(await routedRows(t, dadRounds)));
      out.push(...(await duplicateRows(t)));
    }
    printTable(out);
    return out;
  } finally {
    await daemon?.stop();
    await teardown(t);
  }
}

/** own6-cni routed against ptp + host-local, both with DAD (ptp waits for it on the veth). */
async function routedRows(t: Topology, dadRounds: number): Promise<Row[]> {
  const ptp = {
    cniVersion: "1.0.0",
    name: "bench-ptp",
    type: "ptp",
    ipam: {
      type: "host-local",
      dataDir: join(t.dir, "host-local"),
      ranges: [[{ subnet: "2001:db8:3::/64", gateway: "fe80::1" }]],
      routes: [{ dst: "::/0" }],
    },
  };
  const routed = {
    cniVersion: "1.0.0",
    name: "bench-routed",
    type: "own6-cni",
    mode: "routed",
    master: "v0",
    prefix: `${PREFIX}/64`,
    dataDir: join(t.dir, "own6"),
    dad: { probeNetns: `${t.tag}-dad` },
  };
  const ptpBin = join(REFERENCE, "ptp");
  const own6Cni = join(OWN6_BIN, "own6-cni");
  return [
    ...rows(
      "own6-cni routed vs ptp + host-local, one at a time",
      await sequential(t, ptpBin, ptp, dadRounds, "r"),
      await sequential(t, own6Cni, routed, dadRounds, "r"),
      1.1,
    ),
    ...rows(
      `own6-cni routed vs ptp + host-local, ${CONCURRENT} at once (batch)`,
      await concurrent(t, ptpBin, ptp, "rc"),
      await concurrent(t, own6Cni, routed, "rc"),
      1.1,
    ),
  ];
}

/**
 * The address each plugin would hand out is already held by a neighbour on the segment:
 * macvlan + host-local returns success after its 10 s settle timeout with a `dadfailed`
 * address; macvlan + own6-ipam moves on to the next identifier.
 */
async function duplicateRows(t: Topology): Promise<Row[]> {
  const { reference, own6 } = ipamConfigs(t, "macvlan", true);
  const [refConfig, ownConfig] = [
    { ...reference, name: "bench-dup" },
    { ...own6, name: "bench-dup" },
  ];
  const netns = t.containers[0] as string;
  const secret = new Uint8Array(Buffer.from(readFileSync(join(t.dir, "own6", "secret"), "utf8").trim(), "hex"));
  const first = rfc7217Iid({
    prefix: Prefix.parse(`${PREFIX}/64`),
    secret,
    owner: "dup",
    ifname: "eth0",
    networkId: "bench-dup",
  });
  // A fresh host-local range starts at ::1 (the gateway is fe80::1 here).
  for (const a of [`${PREFIX}1`, String(first.address)])
    await addAddress(t.peer, "v1", Address.parse(a), 64, { nodad: true });
  const macvlan = join(REFERENCE, "macvlan");
  const ref = await call(t, macvlan, "ADD", "dup", netns, refConfig);
  await call(t, macvlan, "DEL", "dup", netns, refConfig);
  const own = await call(t, macvlan, "ADD", "dup", netns, ownConfig);
  await call(t, macvlan, "DEL", "dup", netns, ownConfig);
  return [
    {
      case: "macvlan + IPAM, next address already held on the segment",
      reference: `${ms(ref)} (returns it dadfailed)`,
      own6: `${ms(own)} (next identifier)`,
      "own6 ÷ reference": `${(own / ref).toFixed(2)}x`,
      target: "-",
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
