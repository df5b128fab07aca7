import { randomBytes } from "node:crypto";
import { mapPool } from "@own6/core";
import { type Attached, ContainerNetwork, type KernelDadOptions, Lab, waitForPrefixes } from "@own6/netlink";
import { waitForIdleCpu } from "./lib/idle.js";
import { printTable } from "./lib/measure.js";

// Time to bring containers to a DAD-verified, reachable address in the namespace lab: own6 with
// DAD for many containers in parallel, against the same flow one container at a time, in the same
// run; with and without optimistic DAD (RFC 4429). Namespaces are made before the clock starts,
// as a container runtime makes them before it calls the network plugin, and the clock waits for
// the machine to settle after the previous scenario's teardown. Needs root.

const DAD: KernelDadOptions = { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false };
const SEQUENTIAL = 30;

interface Scenario {
  readonly name: string;
  readonly containers: number;
  readonly parallel: number;
  readonly optimistic: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function runScenario(s: Scenario): Promise<Record<string, string | number>> {
  const lab = await Lab.create();
  try {
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 30_000);
    if (!learned) throw new Error("no prefix advertised");
    const network = await ContainerNetwork.open({
      host: lab.hostUplink,
      mode: "macvlan",
      prefixes: [learned.prefix],
      secret: new Uint8Array(randomBytes(32)),
      dad: { ...DAD, optimistic: s.optimistic },
    });
    try {
      const names = await mapPool(Array.from({ length: s.containers }), 16, () => lab.containerNetns());
      await waitForIdleCpu();
      const started = performance.now();
      const attached = await mapPool(
        names,
        s.parallel,
        (netns): Promise<Attached> => network.attach({ netns, ifname: "eth0" }, netns),
      );
      const seconds = (performance.now() - started) / 1000;
      // A refused connection proves the address routes to a live container as well as an answer does.
      const probes = await lab.fetchFromExt(
        attached.map((a) => a.lease.address),
        5000,
      );
      const reachable = probes.filter((p) => p.ok || p.error === "ECONNREFUSED").length;
      const usable = attached.map((a) => a.usableMs).sort((a, b) => a - b);
      return {
        scenario: s.name,
        containers: s.containers,
        "wall s": seconds.toFixed(2),
        "containers/s": (s.containers / seconds).toFixed(1),
        "p50 usable ms": percentile(usable, 50),
        "p99 usable ms": percentile(usable, 99),
        reachable: `${reachable}/${s.containers}`,
      };
    } finally {
      network.close();
    }
  } finally {
    await lab.close();
  }
}

/** Runs the attach benchmark (root only) and returns its rows (also printed). */
export async function run(): Promise<Record<string, string | number>[]> {
  if (process.getuid?.() !== 0) {
    console.log("netlink bench skipped: it needs root (network namespaces)");
    return [];
  }
  const full = process.env.OWN6_BENCH_QUICK !== "1";
  const scenarios: Scenario[] = [
    { name: "one at a time (baseline)", containers: SEQUENTIAL, parallel: 1, optimistic: false },
    { name: "one at a time, optimistic DAD", containers: SEQUENTIAL, parallel: 1, optimistic: true },
    { name: "parallel", containers: 100, parallel: 64, optimistic: false },
    { name: "parallel, optimistic DAD", containers: 100, parallel: 64, optimistic: true },
    ...(full
      ? [
          { name: "parallel", containers: 1000, parallel: 128, optimistic: false },
          { name: "parallel, optimistic DAD", containers: 1000, parallel: 128, optimistic: true },
        ]
      : []),
  ];
  const rows: Record<string, string | number>[] = [];
  for (const s of scenarios) rows.push(await runScenario(s));
  const base = Number(rows[0]?.["containers/s"]);
  for (const row of rows) row["÷ baseline"] = `${(Number(row["containers/s"]) / base).toFixed(1)}x`;
  printTable(rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
