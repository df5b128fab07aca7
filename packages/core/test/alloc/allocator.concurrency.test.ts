import { describe, expect, it } from "vitest";
import { Address } from "../../src/address.js";
import { type AddressRecord, LeaseConflictError, MemoryLeaseStore } from "../../src/alloc/index.js";
import type { DadCheck } from "../../src/dad/check.js";
import { candidate, fakeDad, fc, openAllocator, P1, runs, sameForAll, TINY, virtualClock } from "./helpers.js";

const same = { algorithm: "same", algorithms: [sameForAll()] } as const;

describe("allocator: concurrency in one process", () => {
  it("allocator: concurrent allocations for one owner run DAD once and share the lease", async () => {
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check);
    const leases = await Promise.all(Array.from({ length: 50 }, () => allocator.allocate("ctr-1/eth0")));
    expect(new Set(leases.map((l) => l.address.toString())).size).toBe(1);
    expect(dad.calls.length).toBe(1);
    expect(allocator.size).toBe(1);
  });

  it("allocator: owners whose candidates collide never both win the address", async () => {
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check, { ...same, maxTries: 4 });
    const leases = await Promise.all(["a", "b", "c", "d"].map((o) => allocator.allocate(o)));
    expect(leases.map((l) => l.dadCounter).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(leases.map((l) => l.address.toString())).size).toBe(4);
    expect(dad.calls.length).toBe(4); // a candidate held by another owner is never probed
  });

  it("allocator: many concurrent owners in a tiny prefix get distinct addresses", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 120 }), async (n) => {
        const { allocator } = await openAllocator(fakeDad().check, { prefixes: [TINY], maxTries: 20 });
        const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => allocator.allocate(`o${i}`)));
        const addresses = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.address.toString()] : []));
        expect(new Set(addresses).size).toBe(addresses.length);
        expect(allocator.size).toBe(addresses.length);
      }),
      runs(30),
    );
  });

  it("allocator: a release waits for the allocation it races with", async () => {
    const { allocator, store } = await openAllocator(fakeDad().check);
    const [lease, released] = await Promise.all([allocator.allocate("o"), allocator.release("o")]);
    expect(released.map((l) => l.address.toString())).toEqual([lease.address.toString()]);
    expect(allocator.size).toBe(0);
    expect(await store.list("address/")).toEqual([]);
  });
});

describe("allocator: allocators sharing one store", () => {
  it("allocator: a second allocator returns the lease the first made, without DAD", async () => {
    const store = new MemoryLeaseStore();
    const one = await openAllocator(fakeDad().check, { store });
    const dad = fakeDad();
    const two = await openAllocator(dad.check, { store });
    const lease = await one.allocator.allocate("ctr-1/eth0");
    expect((await two.allocator.allocate("ctr-1/eth0")).address).toEqual(lease.address);
    expect(dad.calls).toEqual([]);
    expect(two.allocator.lookup(lease.address)?.owner).toBe("ctr-1/eth0");
  });

  it("allocator: an address claimed by another allocator counts as in use", async () => {
    const store = new MemoryLeaseStore();
    const [one, two] = await Promise.all([
      openAllocator(fakeDad().check, { store, ...same }),
      openAllocator(fakeDad().check, { store, ...same }),
    ]);
    const [a, b] = await Promise.all([one.allocator.allocate("a"), two.allocator.allocate("b")]);
    expect(new Set([a.address.toString(), b.address.toString()]).size).toBe(2);
    expect([a.dadCounter, b.dadCounter].sort()).toEqual([0, 1]);
  });

  it("allocator: many allocators on one store never hand out one address twice", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 40 }), async (k, n) => {
        const store = new MemoryLeaseStore();
        const all = await Promise.all(
          Array.from({ length: k }, () => openAllocator(fakeDad().check, { store, prefixes: [TINY], maxTries: 10 })),
        );
        const jobs = Array.from({ length: n }, (_, i) => all[i % k]?.allocator.allocate(`o${i % 7}-${i}`));
        const settled = await Promise.allSettled(jobs);
        const addresses = settled.flatMap((s) =>
          s.status === "fulfilled" && s.value ? [s.value.address.toString()] : [],
        );
        expect(new Set(addresses).size).toBe(addresses.length);
        const bound = (await store.list("address/")).filter(
          (r) => r.value.kind === "address" && r.value.state === "bound",
        );
        expect(bound.length).toBe(addresses.length);
      }),
      runs(30),
    );
  });

  it("allocator: a stale tentative claim is taken over only after claimTimeoutMs", async () => {
    const store = new MemoryLeaseStore();
    const crashedClaim = (owner: string): AddressRecord => ({
      kind: "address",
      address: candidate(P1, owner, 0),
      prefix: P1.toString(),
      owner: "crashed",
      algorithm: "rfc7217",
      networkId: "",
      dadCounter: 0,
      state: "tentative",
      since: 0,
      preferredUntil: null,
      validUntil: null,
    });
    for (const owner of ["o", "q"])
      await store.compareAndSet(`address/${candidate(P1, owner, 0)}`, null, crashedClaim(owner));
    const clock = virtualClock(59_999);
    const { allocator } = await openAllocator(fakeDad().check, { store, clock });
    expect((await allocator.allocate("o")).dadCounter).toBe(1); // the claim is 59.999 s old: in use
    clock.t = 60_000;
    expect((await allocator.allocate("q")).dadCounter).toBe(0); // 60 s old: stale, taken over
  });

  it("allocator: a DAD that outlasts claimTimeoutMs loses its claim and reports a conflict", async () => {
    const store = new MemoryLeaseStore();
    const clock = virtualClock();
    let release: () => void = () => undefined;
    const slow: DadCheck = () =>
      new Promise((resolve) => {
        release = () => resolve({ status: "unique" });
      });
    const one = await openAllocator(slow, { store, clock, ...same, claimTimeoutMs: 100 });
    const two = await openAllocator(fakeDad().check, { store, clock, ...same, claimTimeoutMs: 100 });
    const pending = one.allocator.allocate("a");
    for (let i = 0; i < 5; i++) await Promise.resolve();
    clock.t = 100;
    const b = await two.allocator.allocate("b");
    expect(b.address.toString()).toBe(Address.parse("2001:db8:1::1:0").toString());
    release();
    await expect(pending).rejects.toThrow(LeaseConflictError);
    expect(one.allocator.size).toBe(0);
  });
});
