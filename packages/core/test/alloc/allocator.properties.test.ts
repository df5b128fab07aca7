import { describe, expect, it } from "vitest";
import { DadRetriesExhaustedError, type Lease } from "../../src/alloc/index.js";
import { isReservedIn } from "../../src/iid/reserved.js";
import { Prefix } from "../../src/prefix.js";
import { candidate, fakeDad, fc, openAllocator, P1, pick, runs, TINY } from "./helpers.js";

const owners = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 40 });
const prefixes = fc.constantFrom(P1, TINY, Prefix.parse("2001:db8:4::/112"), Prefix.parse("2001:db8:5::/48"));

/** Allocates every owner at once; returns the leases and the failures, which must be typed. */
async function allocateAll(
  allocate: (owner: string) => Promise<Lease>,
  all: readonly string[],
): Promise<{ leases: Lease[]; exhausted: DadRetriesExhaustedError[] }> {
  const settled = await Promise.allSettled(all.map(allocate));
  const leases: Lease[] = [];
  const exhausted: DadRetriesExhaustedError[] = [];
  for (const s of settled) {
    if (s.status === "fulfilled") leases.push(s.value);
    else if (s.reason instanceof DadRetriesExhaustedError) exhausted.push(s.reason);
    else throw s.reason;
  }
  return { leases, exhausted };
}

describe("allocator properties (a fake DadCheck declares arbitrary addresses duplicate)", () => {
  it("allocator: addresses are unique per prefix, never reserved, never declared duplicate, and retries are bounded", async () => {
    await fc.assert(
      fc.asyncProperty(
        owners,
        prefixes,
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 3, max: 8 }),
        async (all, prefix, seed, percent, maxTries) => {
          const dad = fakeDad((a) => pick(a, seed, percent));
          const { allocator } = await openAllocator(dad.check, { prefixes: [prefix], maxTries });
          const { leases, exhausted } = await allocateAll((o) => allocator.allocate(o), all);
          expect(leases.length + exhausted.length).toBe(all.length);
          const addresses = leases.map((l) => l.address.toString());
          expect(new Set(addresses).size).toBe(addresses.length);
          for (const lease of leases) {
            expect(prefix.contains(lease.address)).toBe(true);
            expect(isReservedIn(prefix, lease.iid)).toBe(false);
            expect(pick(lease.address.toString(), seed, percent)).toBe(false);
            expect(lease.dadCounter).toBeLessThan(maxTries);
            expect(lease.address.toString()).toBe(candidate(prefix, lease.owner, lease.dadCounter));
          }
          for (const e of exhausted) expect(e.tries.length).toBe(maxTries);
          expect(dad.calls.length).toBeLessThanOrEqual(all.length * maxTries);
          expect(allocator.size).toBe(leases.length);
        },
      ),
      runs(60),
    );
  });

  it("allocator: addresses are deterministic for (owner, secret, prefix), whatever the order", async () => {
    await fc.assert(
      fc.asyncProperty(owners, fc.string({ maxLength: 8 }), async (all, networkId) => {
        const first = await openAllocator(fakeDad().check, { networkId });
        const second = await openAllocator(fakeDad().check, { networkId });
        const a = await Promise.all(all.map((o) => first.allocator.allocate(o)));
        const b = await Promise.all([...all].reverse().map((o) => second.allocator.allocate(o)));
        const byOwner = new Map(b.map((l) => [l.owner, l.address.toString()]));
        for (const lease of a) {
          expect(byOwner.get(lease.owner)).toBe(lease.address.toString());
          expect(lease.address.toString()).toBe(candidate(P1, lease.owner, lease.dadCounter, networkId));
        }
      }),
      runs(40),
    );
  });

  it("allocator: every owner keeps one lease per prefix, and lookups agree with it", async () => {
    await fc.assert(
      fc.asyncProperty(owners, fc.integer({ min: 0, max: 2 ** 30 }), async (all, seed) => {
        const dad = fakeDad((a) => pick(a, seed, 30));
        const { allocator } = await openAllocator(dad.check, { prefixes: [TINY], maxTries: 6 });
        const { leases } = await allocateAll((o) => allocator.allocate(o), [...all, ...all]);
        const byOwner = new Map<string, string>();
        for (const lease of leases) {
          const known = byOwner.get(lease.owner);
          if (known !== undefined) expect(lease.address.toString()).toBe(known);
          byOwner.set(lease.owner, lease.address.toString());
          expect(allocator.lookup(lease.address)?.owner).toBe(lease.owner);
          expect(allocator.leasesOf(lease.owner).map((l) => l.address.toString())).toEqual([lease.address.toString()]);
        }
        expect(allocator.size).toBe(byOwner.size);
      }),
      runs(60),
    );
  });
});
