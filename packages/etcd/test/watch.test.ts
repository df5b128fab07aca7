import { Address, Allocator, type DadCheck, Prefix } from "@own6/core";
import { fc } from "@own6/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdConfig, EtcdLeaseStore, type StoreChange } from "../src/index.js";
import { ChangeFeed } from "../src/store/watch.js";
import { EtcdCluster } from "./cluster.js";
import { freshPrefix, until } from "./support.js";

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const P = Prefix.parse("2001:db8:7::/64");
const unique: DadCheck = async () => ({ status: "unique" });

describe("ChangeFeed: which watch events are news", () => {
  type Step =
    | { readonly op: "saw"; readonly key: string; readonly rev: number }
    | { readonly op: "sawPrefix"; readonly prefix: string; readonly rev: number }
    | { readonly op: "event"; readonly key: string; readonly gap: number };
  const key = fc.constantFrom("address/a", "address/b", "owner/a");
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constant("saw" as const), key, rev: fc.integer({ min: 1, max: 60 }) }),
    fc.record({
      op: fc.constant("sawPrefix" as const),
      prefix: fc.constantFrom("", "address/", "owner/"),
      rev: fc.integer({ min: 1, max: 60 }),
    }),
    fc.record({ op: fc.constant("event" as const), key, gap: fc.integer({ min: 1, max: 4 }) }),
  );

  it("watch: admits an event exactly when it is newer than every earlier sighting of its key", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.array(step, { maxLength: 80 }), (after, steps) => {
        const feed = new ChangeFeed(after);
        const sightings: { covers: (k: string) => boolean; rev: number }[] = [];
        let revision = after;
        for (const s of steps) {
          if (s.op === "saw") {
            feed.saw(s.key, s.rev);
            sightings.push({ covers: (k) => k === s.key, rev: s.rev });
          } else if (s.op === "sawPrefix") {
            feed.sawPrefix(s.prefix, s.rev);
            sightings.push({ covers: (k) => k.startsWith(s.prefix), rev: s.rev });
          } else {
            revision += s.gap; // a watch reports changes in revision order
            const newest = Math.max(0, ...sightings.filter((x) => x.covers(s.key)).map((x) => x.rev));
            expect(feed.admit(s.key, revision)).toBe(revision > newest);
            expect(feed.position).toBe(revision);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("watch on a three-member cluster", () => {
  let cluster: EtcdCluster;
  const stores: EtcdLeaseStore[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    await cluster?.stop();
  });

  async function host(config: EtcdConfig) {
    const store = await EtcdLeaseStore.open(config);
    stores.push(store);
    const allocator = await Allocator.open({ prefixes: [P], secret: SECRET, dad: unique, now: Date.now, store });
    return { store, allocator };
  }

  it("watch: an allocator learns of leases bound and released on another host", async () => {
    const prefix = freshPrefix();
    const a = await host({ endpoints: cluster.endpoints, prefix });
    const b = await host({ endpoints: cluster.endpoints, prefix });
    const seen: StoreChange[] = [];
    const watch = await b.store.watch("address/", (c) => {
      seen.push(c);
      b.allocator.observe(c.key, c.value);
    });
    const leases = await Promise.all(Array.from({ length: 40 }, (_, i) => a.allocator.allocate(`ctr-${i}/eth0`)));
    await until(() => leases.every((l) => b.allocator.lookup(l.address)?.owner === l.owner));
    for (const l of leases.slice(0, 10)) await a.allocator.release(l.owner);
    await until(() => leases.slice(0, 10).every((l) => b.allocator.lookup(l.address) === undefined));
    expect(leases.slice(10).every((l) => b.allocator.lookup(l.address)?.owner === l.owner)).toBe(true);
    expect(seen.some((c) => c.value?.kind === "address" && c.value.state === "tentative")).toBe(true);
    await watch.close();
  });

  it("watch: reports none of the records the store wrote itself, and never undoes them", async () => {
    const prefix = freshPrefix();
    const b = await host({ endpoints: cluster.endpoints, prefix });
    const seen: StoreChange[] = [];
    const watch = await b.store.watch("", (c) => {
      seen.push(c);
      b.allocator.observe(c.key, c.value);
    });
    // Released and allocated again at once: late events of the first round must not undo the second.
    for (let round = 0; round < 5; round++) {
      await b.allocator.allocate("ctr-1/eth0");
      await b.allocator.release("ctr-1/eth0");
    }
    const lease = await b.allocator.allocate("ctr-1/eth0");
    const marker = await host({ endpoints: cluster.endpoints, prefix });
    await marker.allocator.allocate("ctr-2/eth0"); // a foreign change, after all of b's
    await until(() => seen.some((c) => c.key.includes("ctr-2") || c.value?.owner === "ctr-2/eth0"));
    expect(seen.filter((c) => c.value?.owner === "ctr-1/eth0")).toEqual([]);
    expect(b.allocator.lookup(lease.address)?.owner).toBe("ctr-1/eth0");
    await watch.close();
  });

  it("watch: keeps reporting, in order and without gaps, while the members it talks to die and come back", async () => {
    const prefix = freshPrefix();
    const a = await host({ endpoints: cluster.endpoints, prefix });
    // b talks to m0 and m1 only, so killing each in turn surely breaks its watch stream once.
    const b = await host({ endpoints: cluster.endpoints.slice(0, 2), prefix });
    const versions: number[] = [];
    const watch = await b.store.watch("address/", (c) => {
      versions.push(c.version);
      b.allocator.observe(c.key, c.value);
    });
    const owners: string[] = [];
    const allocateMore = async (n: number) => {
      const batch = Array.from({ length: n }, (_, i) => `ctr-${owners.length + i}/eth0`);
      owners.push(...batch);
      return Promise.all(batch.map((o) => a.allocator.allocate(o)));
    };
    const learnedAll = () =>
      until(() =>
        owners.every((o) => a.allocator.leasesOf(o).every((l) => b.allocator.lookup(l.address)?.owner === o)),
      );
    await allocateMore(20);
    for (const member of [0, 1]) {
      await cluster.kill(member);
      await allocateMore(20);
      await learnedAll();
      await cluster.restart(member);
    }
    await allocateMore(20);
    await learnedAll();
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    expect(b.allocator.lookup(Address.parse("2001:db8:7::1"))).toBeUndefined();
    await watch.close();
  });
});
