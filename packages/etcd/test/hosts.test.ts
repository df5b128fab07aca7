import type { AddressRecord, OwnerRecord, VersionedRecord } from "@own6/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdConfig, EtcdLeaseStore } from "../src/index.js";
import { EtcdCluster } from "./cluster.js";
import { type Host, killAllHosts, startHost } from "./hosts.js";
import { freshPrefix } from "./support.js";

// Allocator processes on simulated hosts, all handing out addresses in one /64 through one etcd
// cluster. OWN6_ETCD_ALLOCATIONS overrides the 10,000 (about 45 s on 2 shared cores).
const ALLOCATIONS = Number(process.env.OWN6_ETCD_ALLOCATIONS ?? 10_000);
const HOSTS = 8;
const P = "2001:db8:64::/64";
const LONG = 300_000;

let cluster: EtcdCluster;
const stores: EtcdLeaseStore[] = [];
beforeAll(async () => {
  cluster = await EtcdCluster.start(3);
});
afterAll(async () => {
  await killAllHosts();
  for (const s of stores) s.close();
  await cluster?.stop();
});

interface Reported {
  readonly owner: string;
  readonly address: string;
  readonly counter: number;
}

function startHosts(config: EtcdConfig, total: number): Host[] {
  const each = Math.ceil(total / HOSTS);
  return Array.from({ length: HOSTS }, (_, h) =>
    startHost({
      mode: "allocate",
      config,
      host: `h${h}`,
      prefix: P,
      owners: Array.from({ length: Math.min(each, total - h * each) }, (_, i) => `h${h}-${i}`),
      concurrency: 16,
      dadMs: 0,
    }),
  );
}

function reported(hosts: readonly Host[]): Reported[] {
  return hosts.flatMap((h) => h.lines).filter((l): l is Reported & Record<string, unknown> => "address" in l);
}

function errors(hosts: readonly Host[]): unknown[] {
  return hosts.flatMap((h) => h.lines).filter((l) => "error" in l);
}

/** The store's records of `config`, split by kind. */
async function contents(config: EtcdConfig) {
  const store = await EtcdLeaseStore.open(config);
  stores.push(store);
  const all = await store.list(""); // decodes every value: a half-written one would throw
  const addresses = all.filter((r): r is VersionedRecord & { value: AddressRecord } => r.value.kind === "address");
  const owners = all.filter((r): r is VersionedRecord & { value: OwnerRecord } => r.value.kind === "owner");
  return { all, addresses, owners };
}

/** Every lease reported is in the store as reported; the store holds nothing else; no address twice. */
async function expectExactly(config: EtcdConfig, leases: readonly Reported[]) {
  expect(new Set(leases.map((l) => l.address)).size).toBe(leases.length);
  expect(new Set(leases.map((l) => l.owner)).size).toBe(leases.length);
  const { addresses, owners } = await contents(config);
  const stored = addresses.map((r) => `${r.value.owner} ${r.value.address} ${r.value.state}`).sort();
  expect(stored).toEqual(leases.map((l) => `${l.owner} ${l.address} bound`).sort());
  const pointers = owners.map((r) => `${r.value.owner} ${r.value.address}`).sort();
  expect(pointers).toEqual(leases.map((l) => `${l.owner} ${l.address}`).sort());
}

describe(`${HOSTS} allocator processes sharing one /64 through a three-member etcd`, () => {
  it(
    `hosts: ${ALLOCATIONS} concurrent allocations end with no duplicate and nothing lost`,
    async () => {
      const config = { endpoints: cluster.endpoints, prefix: freshPrefix() };
      const started = Date.now();
      const hosts = startHosts(config, ALLOCATIONS);
      expect(await Promise.all(hosts.map((h) => h.exited))).toEqual(Array(HOSTS).fill(0));
      console.log(`${ALLOCATIONS} allocations by ${HOSTS} processes in ${(Date.now() - started) / 1000} s`);
      expect(errors(hosts)).toEqual([]);
      const leases = reported(hosts);
      expect(leases).toHaveLength(ALLOCATIONS);
      // The hosts really met in the /64: most lost the first candidate to another host.
      expect(leases.filter((l) => l.counter > 0).length).toBeGreaterThan(ALLOCATIONS / 2);
      await expectExactly(config, leases);
    },
    LONG,
  );

  it(
    "hosts: killing the etcd leader during the run loses nothing",
    async () => {
      const config = { endpoints: cluster.endpoints, prefix: freshPrefix() };
      const total = Math.min(ALLOCATIONS, 2000);
      const hosts = startHosts(config, total);
      await hosts[0]?.printed(() => reported(hosts).length >= total / 4);
      const leader = await cluster.leader();
      await cluster.kill(leader);
      const during = reported(hosts).length;
      expect(await Promise.all(hosts.map((h) => h.exited))).toEqual(Array(HOSTS).fill(0));
      await cluster.restart(leader);
      expect(during).toBeLessThan(total); // the kill did fall inside the run
      expect(errors(hosts)).toEqual([]);
      const leases = reported(hosts);
      expect(leases).toHaveLength(total);
      await expectExactly(config, leases);
    },
    LONG,
  );

  it(
    "hosts: an allocator killed mid-transaction leaves no half-written record, and its claims can be taken over",
    async () => {
      const config = { endpoints: cluster.endpoints, prefix: freshPrefix() };
      const owners = Array.from({ length: 400 }, (_, i) => `victim-${i}`);
      const job = { mode: "allocate", config, prefix: P, owners, concurrency: 32, claimTimeoutMs: 1000 } as const;
      // DAD takes 10-30 ms, so many claims are tentative (between their writes) when the kill comes.
      const victim = startHost({ ...job, host: "victim", dadMs: 20 });
      await victim.printed(() => reported([victim]).length >= 50);
      await victim.kill();
      const acknowledged = reported([victim]);

      const { addresses, owners: ownerRecords } = await contents(config);
      const byAddress = new Map(addresses.map((r) => [r.value.address, r.value]));
      for (const lease of acknowledged)
        expect(byAddress.get(lease.address)).toMatchObject({ owner: lease.owner, state: "bound" });
      // What a crash may leave: tentative claims, and owner records pointing at one of their own.
      for (const { value } of ownerRecords) {
        const record = value.address === null ? undefined : byAddress.get(value.address);
        expect(record?.owner).toBe(value.owner);
      }
      const tentative = addresses.filter((r) => r.value.state === "tentative");
      expect(tentative.length).toBeGreaterThan(0);

      // Another host takes over once the claims are older than claimTimeoutMs.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const rescuer = startHost({ ...job, host: "rescuer", dadMs: 0 });
      expect(await rescuer.exited).toBe(0);
      expect(errors([rescuer])).toEqual([]);
      const leases = reported([rescuer]);
      expect(leases).toHaveLength(owners.length);
      const before = new Map(acknowledged.map((l) => [l.owner, l.address]));
      for (const l of leases) if (before.has(l.owner)) expect(l.address).toBe(before.get(l.owner));
      await expectExactly(config, leases);
    },
    LONG,
  );
});
