// Two hosts of one cluster share an etcd: each claims its own /64 of the cluster's /56 from the
// prefix plan, and both hand out addresses in one shared /64 (a segment that spans the hosts)
// through the etcd lease store, learning each other's leases through a watch.
//
//   node --conditions=@own6/source --import tsx examples/etcd/main.ts http://127.0.0.1:2379 [containers]
//
// It imports the packages by path, so it runs from the repository without being a workspace
// package of its own.

import { pathToFileURL } from "node:url";
import { Allocator, type DadCheck, Prefix } from "@own6/core";
import { type EtcdConfig, EtcdLeaseStore, PrefixPlan } from "@own6/etcd";

const CLUSTER = Prefix.parse("2001:db8:100::/56");
const SHARED = Prefix.parse("2001:db8:1::/64");
// Every host of the cluster keys RFC 7217 with the same secret, so an owner's address does not
// depend on which host asks. A real cluster draws it once from a CSPRNG and distributes it.
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => (i * 53 + 7) & 0xff);
// Stands in for the kernel's DAD (@own6/netlink's kernelDadCheck on a real host).
const UNIQUE: DadCheck = async () => ({ status: "unique" });

/** What {@link main} did. */
export interface ClusterSummary {
  /** Each host's own /64 from the plan. */
  readonly subnets: Readonly<Record<string, string>>;
  /** Leases in the shared /64, per host. */
  readonly leases: Readonly<Record<string, number>>;
  /** Whether every lease in the shared /64 has its own address. */
  readonly unique: boolean;
  /** How many of node-a's leases node-b's allocator knows, through its watch. */
  readonly learned: number;
}

interface Host {
  readonly name: string;
  readonly plan: PrefixPlan;
  readonly store: EtcdLeaseStore;
  readonly allocator: Allocator;
}

async function openHost(name: string, config: EtcdConfig): Promise<Host> {
  const plan = PrefixPlan.open(config, { prefix: CLUSTER, length: 64 });
  const own = await plan.claim(name);
  // The lease makes the host's reservations expire 30 s after it stops renewing them.
  const store = await EtcdLeaseStore.open({ ...config, lease: { hostId: name, ttlSeconds: 30 } });
  const allocator = await Allocator.open({
    prefixes: [SHARED, own.subnet],
    secret: SECRET,
    dad: UNIQUE,
    now: Date.now,
    store,
  });
  await store.watch("address/", (change) => allocator.observe(change.key, change.value));
  return { name, plan, store, allocator };
}

/**
 * Runs two hosts against the etcd at `endpoints`, `containers` containers each, under the key
 * prefix `prefix`.
 *
 * @example
 * ```ts
 * const summary = await main(["http://127.0.0.1:2379"], 100);
 * ```
 */
export async function main(
  endpoints: readonly string[],
  containers = 100,
  prefix = "/own6-example",
): Promise<ClusterSummary> {
  const config: EtcdConfig = { endpoints, prefix };
  // One after the other, as hosts join a cluster; together, they would race for the first /64.
  const hosts: Host[] = [];
  try {
    for (const name of ["node-a", "node-b"]) hosts.push(await openHost(name, config));
    const leases = await Promise.all(
      hosts.map((h) =>
        Promise.all(
          Array.from({ length: containers }, (_, i) =>
            h.allocator.allocate(`${h.name}-ctr-${i}/eth0`, { prefix: SHARED }),
          ),
        ),
      ),
    );
    const [a, b] = hosts as [Host, Host];
    const [ofA] = leases as [(typeof leases)[0]];
    await settle(() => ofA.every((l) => b.allocator.lookup(l.address)?.owner === l.owner));
    const addresses = leases.flat().map((l) => l.address.toString());
    return {
      subnets: Object.fromEntries(
        await Promise.all(hosts.map(async (h) => [h.name, `${(await h.plan.of(h.name))?.subnet}`])),
      ),
      leases: { [a.name]: ofA.length, [b.name]: leases[1]?.length ?? 0 },
      unique: new Set(addresses).size === addresses.length,
      learned: ofA.filter((l) => b.allocator.lookup(l.address)?.owner === l.owner).length,
    };
  } finally {
    for (const h of hosts) {
      h.store.close();
      h.plan.close();
    }
  }
}

/** Waits (up to 5 s) for the watch to deliver what `done` expects. */
async function settle(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
}

/**
 * The summary as the example prints it.
 *
 * @example
 * ```ts
 * console.log(format(await main(["http://127.0.0.1:2379"])));
 * ```
 */
export function format(s: ClusterSummary): string {
  return [
    "own6 with etcd: two hosts, one plan, one shared /64",
    ...Object.entries(s.subnets).map(([host, subnet]) => `  ${host} plan  ${subnet}`),
    `  shared  ${SHARED}: ${Object.entries(s.leases)
      .map(([h, n]) => `${n} by ${h}`)
      .join(", ")}, ${s.unique ? "all unique" : "DUPLICATES"}`,
    `  watch   node-b knows ${s.learned} of node-a's leases`,
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [endpoint = "http://127.0.0.1:2379", count = "100"] = process.argv.slice(2);
  console.log(format(await main([endpoint], Number(count))));
}
