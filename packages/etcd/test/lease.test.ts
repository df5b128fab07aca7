import { Allocator, Prefix } from "@own6/core";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdLeaseLostError, EtcdLeaseStore } from "../src/index.js";
import { EtcdCluster } from "./cluster.js";
import { killAllHosts, startHost } from "./hosts.js";
import { freshPrefix, ownerRecord, until } from "./support.js";

const P = "2001:db8:9::/64";

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

async function open(prefix: string, lease?: { hostId: string; ttlSeconds: number }): Promise<EtcdLeaseStore> {
  const store = await EtcdLeaseStore.open({ endpoints: cluster.endpoints, prefix, ...(lease && { lease }) });
  stores.push(store);
  return store;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TTL leases on a three-member cluster", () => {
  it("lease: a host that stops renewing loses its reservations after the TTL; other hosts keep theirs and learn", async () => {
    const prefix = freshPrefix();
    const config = { endpoints: cluster.endpoints, prefix, lease: { hostId: "doomed", ttlSeconds: 2 } };
    const owners = Array.from({ length: 20 }, (_, i) => `doomed-${i}`);
    const doomed = startHost({
      mode: "allocate",
      config,
      host: "doomed",
      prefix: P,
      owners,
      concurrency: 4,
      dadMs: 0,
      hold: true,
    });
    await doomed.printed((l) => l.done === true);
    const survivor = await open(prefix);
    const allocator = await Allocator.open({
      prefixes: [Prefix.parse(P)],
      secret: new Uint8Array(16).fill(7),
      dad: async () => ({ status: "unique" }),
      now: Date.now,
      store: survivor,
    });
    const watch = await survivor.watch("address/", (c) => allocator.observe(c.key, c.value));
    const kept = await allocator.allocate("survivor/eth0");
    const addresses = doomed.lines.flatMap((l) => (typeof l.address === "string" ? [l.address] : []));
    expect(addresses).toHaveLength(20);
    const held = async () => (await survivor.list("address/")).filter((r) => r.value.owner.startsWith("doomed"));
    // Twice the TTL while the host lives: its renewals keep everything.
    await sleep(4000);
    expect(await held()).toHaveLength(20);
    await doomed.kill();
    await until(async () => (await held()).length === 0, 15_000);
    expect(await survivor.list("owner/")).toHaveLength(1); // the survivor's owner record, no lease on it
    expect((await survivor.get(`address/${kept.address}`))?.value.owner).toBe("survivor/eth0");
    await until(() => allocator.leasesOf("doomed-0").length === 0 && allocator.size === 1);
    await watch.close();
  });

  it("lease: a restarted process of the host resumes its lease within the TTL and keeps its records", async () => {
    const prefix = freshPrefix();
    const first = await open(prefix, { hostId: "node-1", ttlSeconds: 2 });
    await first.compareAndSet("k", null, ownerRecord());
    first.close(); // a daemon that restarts: no revoke
    const second = await open(prefix, { hostId: "node-1", ttlSeconds: 2 });
    expect(second.hostLease?.id).toBe(first.hostLease?.id);
    await sleep(4000);
    expect(await second.get("k")).toBeDefined();
    await second.hostLease?.revoke(); // a host leaving the cluster for good
    expect(await second.get("k")).toBeUndefined();
  });

  it("lease: processes of one host that start at once share one lease", async () => {
    const prefix = freshPrefix();
    const opened = await Promise.all(
      Array.from({ length: 6 }, () => open(prefix, { hostId: "node-2", ttlSeconds: 5 })),
    );
    expect(new Set(opened.map((s) => s.hostLease?.id)).size).toBe(1);
  });

  it("lease: once etcd drops the lease, writes fail with ETCD_LEASE_LOST and onLost is called once", async () => {
    const prefix = freshPrefix();
    const store = await open(prefix, { hostId: "node-3", ttlSeconds: 30 });
    let losses = 0;
    store.hostLease?.onLost(() => losses++);
    const raw = new Etcd3({ hosts: cluster.endpoints });
    try {
      await raw.leaseClient.leaseRevoke({ ID: store.hostLease?.id ?? "0" });
    } finally {
      raw.close();
    }
    await expect(store.compareAndSet("k", null, ownerRecord())).rejects.toThrow(EtcdLeaseLostError);
    await expect(store.compareAndSet("k", null, ownerRecord())).rejects.toMatchObject({ code: "ETCD_LEASE_LOST" });
    expect(store.hostLease?.lost).toBe(true);
    expect(losses).toBe(1);
    expect(await store.get("k")).toBeUndefined();
  });
});
