// One simulated host, as a process of its own: the multi-process half of the etcd tests. It
// prints one JSON line per result as soon as it has it, so that a test that kills it knows
// what it had acknowledged.
import { Allocator, type DadCheck, type IidAlgorithm, Own6Error, Prefix } from "@own6/core";
import { type EtcdConfig, EtcdLeaseStore, PrefixPlan } from "../src/index.js";

/** What the test asks a worker to do. */
export type Job =
  | {
      readonly mode: "allocate";
      readonly config: EtcdConfig;
      readonly host: string;
      readonly prefix: string;
      readonly owners: readonly string[];
      readonly concurrency: number;
      /** Milliseconds each DAD takes; 0 answers at once. */
      readonly dadMs: number;
      readonly claimTimeoutMs?: number;
      /** Keep running (and renewing) after the last allocation, until killed. */
      readonly hold?: boolean;
    }
  | { readonly mode: "plan"; readonly config: EtcdConfig; readonly prefix: string; readonly hosts: readonly string[] };

/** The space every host draws identifiers from: small, so that hosts collide in the /64. */
export const SPACE = 1 << 15;

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

if (job.mode === "plan") await plan(job);
else await allocate(job);

async function allocate(job: Extract<Job, { mode: "allocate" }>): Promise<void> {
  const store = await EtcdLeaseStore.open(job.config);
  const allocator = await Allocator.open({
    prefixes: [Prefix.parse(job.prefix)],
    algorithm: "dense",
    algorithms: [dense(job.host)],
    maxTries: 64,
    dad: dadTaking(job.dadMs),
    now: Date.now,
    ...(job.claimTimeoutMs !== undefined && { claimTimeoutMs: job.claimTimeoutMs }),
    store,
  });
  const watch = await store.watch("address/", (c) => allocator.observe(c.key, c.value));
  let next = 0;
  const one = async () => {
    for (let i = next++; i < job.owners.length; i = next++) await allocateOne(allocator, job.owners[i] ?? "");
  };
  await Promise.all(Array.from({ length: job.concurrency }, one));
  print({ done: true });
  if (job.hold) {
    process.stdin.resume(); // renewals run on unref'd timers: stdin keeps the host alive until killed
    return;
  }
  await watch.close();
  store.close();
}

async function allocateOne(allocator: Allocator, owner: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const lease = await allocator.allocate(owner);
      print({ owner, address: lease.address.toString(), counter: lease.dadCounter });
      return;
    } catch (error) {
      // A race lost mid-allocation (LEASE_CONFLICT) or a cluster in trouble: the next try sorts it out.
      if (attempt >= 5 || !(error instanceof Own6Error)) {
        print({ owner, error: `${(error as Error).name}: ${(error as Error).message}` });
        return;
      }
    }
  }
}

async function plan(job: Extract<Job, { mode: "plan" }>): Promise<void> {
  const prefixPlan = PrefixPlan.open(job.config, { prefix: Prefix.parse(job.prefix) });
  await Promise.all(
    job.hosts.map(async (host) => {
      const entry = await prefixPlan.claim(host);
      print({ host, subnet: entry.subnet.toString() });
    }),
  );
  prefixPlan.close();
}

/**
 * Identifiers in a small space: the first candidate of the n-th owner of every host is the same
 * (so hosts that go at the same pace race for it), later ones are the host's own.
 */
function dense(host: string): IidAlgorithm {
  return {
    name: "dense",
    derive: (r) => {
      const n = Number(r.owner.slice(r.owner.lastIndexOf("-") + 1));
      const seed = r.dadCounter === 0 ? `${n}` : `${host}/${n}/${r.dadCounter}`;
      const value = 1 + (fnv(seed) % (SPACE - 1));
      const iid = Uint8Array.of(0, 0, 0, 0, 0, 0, value >> 8, value & 0xff);
      return { iid, dadCounter: r.dadCounter, address: r.prefix.withIid(iid) };
    },
  };
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function dadTaking(ms: number): DadCheck {
  return async () => {
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms * (0.5 + Math.random())));
    return { status: "unique" };
  };
}
