// An orchestrator embeds own6's allocator and hands out addresses to containers on a simulated
// Ethernet segment where a few hosts squat on addresses it will want. Everything runs on one
// virtual clock, so the run is deterministic and takes seconds, not the hours of DAD it models.
//
//   npx tsx examples/embed-simulated/main.ts [containers]

import { setImmediate as turn } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import {
  type Address,
  Allocator,
  createDadCheck,
  type DadCheck,
  IDGEN_DELAY_MS,
  type Lease,
  Prefix,
  rfc7217Algorithm,
} from "@own6/core";
import { SimLink } from "@own6/core/sim";

const PREFIX = Prefix.parse("2001:db8:1::/64");
// Fixed so that the run repeats; a real orchestrator draws 32 bytes from a CSPRNG once and keeps them.
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

/** What {@link main} simulates. */
export interface EmbedOptions {
  /** Containers to start; default 10,000. */
  readonly containers?: number;
  /** Seeds the link (delays) and the waits between tries; default 1. */
  readonly seed?: number;
  /** Allocations in flight at once; default 256. */
  readonly concurrency?: number;
}

/** What happened, as {@link main} returns it. */
export interface EmbedSummary {
  readonly containers: number;
  readonly allocated: number;
  readonly failed: number;
  /** Whether no two leases share an address. */
  readonly unique: boolean;
  readonly dadChecks: number;
  /** DAD checks that found the address taken. */
  readonly duplicates: number;
  /** Addresses the squatters hold that the allocator was bound to try. */
  readonly planted: number;
  /** Planted addresses DAD reported as duplicates and no lease holds. */
  readonly detected: number;
  /** How many leases used each DAD counter. */
  readonly byDadCounter: Readonly<Record<number, number>>;
  readonly virtualSeconds: number;
  readonly nsSent: number;
  readonly naSent: number;
}

const ownerOf = (i: number) => `ctr-${i.toString(16).padStart(12, "0")}/eth0`;

/** The address the allocator will try for container `i` at `dadCounter`. */
function candidateOf(i: number, dadCounter: number): Address {
  const request = { prefix: PREFIX, owner: ownerOf(i), networkId: "", dadCounter, maxDadCounter: dadCounter };
  return rfc7217Algorithm(SECRET).derive(request).address;
}

/**
 * Three squatters on the addresses some containers will be offered (a collision in a /64 is far
 * too rare to wait for): one takes the first choice of two containers, one the first two choices
 * of a third (so it needs DAD counter 2), one the first choice of the last container.
 */
function plantSquatters(link: SimLink, n: number): Address[] {
  const plan: [string, [number, number][]][] = [
    [
      "squatter-1",
      [
        [1, 0],
        [Math.floor(n / 2), 0],
      ],
    ],
    [
      "squatter-2",
      [
        [Math.floor(n / 3), 0],
        [Math.floor(n / 3), 1],
      ],
    ],
    ["squatter-3", [[n - 1, 0]]],
  ];
  const planted: Address[] = [];
  for (const [name, targets] of plan) {
    const node = link.addNode(name);
    for (const [i, counter] of targets) {
      const address = candidateOf(i, counter);
      node.squat(address);
      planted.push(address);
    }
  }
  return planted;
}

/** Runs the virtual clock until `done` settles: between timers, the allocations get to run. */
async function drive(link: SimLink, done: Promise<unknown>): Promise<void> {
  let finished = false;
  const settled = done.finally(() => {
    finished = true;
  });
  let idle = 0;
  while (!finished) {
    await turn();
    idle = link.clock.step() ? 0 : idle + 1;
    if (idle > 1000) throw new Error("the simulation stalled: no timers and no progress");
  }
  await settled;
}

/** Allocates `n` containers with at most `concurrency` in flight; failures are returned, not thrown. */
async function allocateAll(allocator: Allocator, n: number, concurrency: number): Promise<(Lease | Error)[]> {
  const results: (Lease | Error)[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await allocator
        .allocate(ownerOf(i))
        .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/**
 * Simulates the orchestrator and returns a summary.
 *
 * @example
 * ```ts
 * const summary = await main({ containers: 300 });
 * summary.detected === summary.planted; // every squatter was caught by DAD
 * ```
 */
export async function main(options: EmbedOptions = {}): Promise<EmbedSummary> {
  const n = options.containers ?? 10_000;
  const link = new SimLink({ seed: options.seed ?? 1 });
  const frames = { ns: 0, na: 0 };
  link.observe(({ frame }) => frames[frame.kind]++);
  const planted = plantSquatters(link, n);
  const host = link.addNode("orchestrator");
  const outcomes = { checks: 0, duplicates: new Set<string>() };
  const check = createDadCheck({ probe: () => host.probe(), clock: link.clock, random: host.random.asRandomBytes() });
  const dad: DadCheck = async (address) => {
    const outcome = await check(address);
    outcomes.checks++;
    if (outcome.status === "duplicate") outcomes.duplicates.add(address.toString());
    return outcome;
  };
  const allocator = await Allocator.open({
    prefixes: [PREFIX],
    secret: SECRET,
    dad,
    now: () => link.clock.now(),
    sleep: (ms) => new Promise((resolve) => link.clock.setTimer(ms, resolve)),
    random: () => link.random.float(),
    idgenDelayMs: IDGEN_DELAY_MS,
  });
  const work = allocateAll(allocator, n, options.concurrency ?? 256);
  await drive(link, work);
  const results = await work;
  const leases = results.filter((r): r is Lease => !(r instanceof Error));
  const byDadCounter: Record<number, number> = {};
  for (const lease of leases) byDadCounter[lease.dadCounter] = (byDadCounter[lease.dadCounter] ?? 0) + 1;
  const caught = planted.filter((a) => outcomes.duplicates.has(a.toString()) && !allocator.lookup(a));
  return {
    containers: n,
    allocated: leases.length,
    failed: results.length - leases.length,
    unique: new Set(leases.map((l) => l.address.toString())).size === leases.length,
    dadChecks: outcomes.checks,
    duplicates: outcomes.duplicates.size,
    planted: planted.length,
    detected: caught.length,
    byDadCounter,
    virtualSeconds: link.clock.now() / 1000,
    nsSent: frames.ns,
    naSent: frames.na,
  };
}

/**
 * The summary as the few lines the example prints.
 *
 * @example
 * ```ts
 * console.log(format(await main()));
 * ```
 */
export function format(s: EmbedSummary): string {
  const counters = Object.entries(s.byDadCounter)
    .map(([counter, count]) => `${counter}: ${count}`)
    .join(", ");
  return [
    `own6 on a simulated link: ${s.containers} containers, 3 squatters on ${s.planted} of the addresses they will want`,
    `  leases        ${s.allocated} allocated, ${s.failed} failed, ${s.unique ? "all unique" : "DUPLICATES"}`,
    `  DAD           ${s.dadChecks} checks, ${s.duplicates} duplicates; squatters detected on ${s.detected} of ${s.planted} addresses`,
    `  DAD counters  ${counters}`,
    `  on the wire   ${s.nsSent} NS, ${s.naSent} NA`,
    `  virtual time  ${s.virtualSeconds.toFixed(1)} s`,
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const containers = process.argv[2] ? Number(process.argv[2]) : undefined;
  const started = performance.now();
  console.log(format(await main(containers ? { containers } : {})));
  console.log(`  wall time     ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
