import type { LeaseStore, LeaseStoreRecord, OwnerRecord } from "@own6/core";
import { describe, expect, it } from "vitest";
import { fc } from "./fc.js";

const record = (address: string | null = "2001:db8::1"): OwnerRecord => ({
  kind: "owner",
  owner: "ctr-1/eth0",
  prefix: "2001:db8::/64",
  address,
  dadCounters: [["", 1]],
});

/**
 * The {@link LeaseStore} contract as a test suite: every store (in memory, SQLite, etcd) runs it
 * against a fresh, empty store from `make`.
 */
export function leaseStoreContract(name: string, make: () => LeaseStore | Promise<LeaseStore>): void {
  describe(`${name} (the LeaseStore contract)`, () => {
    it("store: creates only when absent; a stale version loses", async () => {
      const store = await make();
      const created = await store.compareAndSet("k", null, record());
      expect(created.ok).toBe(true);
      const v1 = created.ok ? created.version : null;
      const again = await store.compareAndSet("k", null, record("2001:db8::2"));
      expect(again.ok).toBe(false);
      expect(again.ok ? undefined : again.current?.value).toEqual(record());
      const updated = await store.compareAndSet("k", v1, record("2001:db8::2"));
      expect(updated.ok).toBe(true);
      expect((await store.compareAndSet("k", v1, record("2001:db8::3"))).ok).toBe(false); // stale
      expect((await store.get("k"))?.value).toEqual(record("2001:db8::2"));
    });

    it("store: deletes with the current version, and never reuses a version after a re-create", async () => {
      const store = await make();
      const first = await store.compareAndSet("k", null, record());
      const version = first.ok ? first.version : null;
      expect(await store.compareAndSet("k", version, null)).toEqual({ ok: true, version: null });
      expect(await store.get("k")).toBeUndefined();
      const second = await store.compareAndSet("k", null, record());
      expect(second.ok && second.version !== version).toBe(true);
      expect((await store.compareAndSet("k", version, null)).ok).toBe(false); // ABA: the old version is dead
    });

    it("store: lists by key prefix", async () => {
      const store = await make();
      for (const key of ["address/a", "address/b", "owner/x", "addresses"])
        await store.compareAndSet(key, null, record());
      expect((await store.list("address/")).map((r) => r.key).sort()).toEqual(["address/a", "address/b"]);
      expect((await store.list("")).length).toBe(4);
    });

    it("store: a caller cannot change what the store holds through the objects it passed or got", async () => {
      const store = await make();
      const mine = { ...record(), dadCounters: [["", 1] as [string, number]] };
      await store.compareAndSet("k", null, mine);
      mine.dadCounters[0] = ["", 9];
      const read = await store.get("k");
      expect(read?.value).toEqual(record());
      try {
        (read?.value as { owner: string }).owner = "changed";
      } catch {
        // A frozen copy refuses the write, which is just as good.
      }
      expect((await store.get("k"))?.value).toEqual(record());
    });

    it("store: of many writers that read one version, exactly one wins", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 30 }), async (writers) => {
          const store = await make();
          const start = await store.compareAndSet("k", null, record());
          const version = start.ok ? start.version : null;
          const results = await Promise.all(
            Array.from({ length: writers }, (_, i) => store.compareAndSet("k", version, record(`2001:db8::${i + 1}`))),
          );
          expect(results.filter((r) => r.ok).length).toBe(1);
        }),
        { numRuns: 50 },
      );
    });

    it("store: agrees with a model through arbitrary compare-and-set sequences", async () => {
      const op = fc.record({
        key: fc.constantFrom("a", "b"),
        expected: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
        next: fc.option(fc.constantFrom<LeaseStoreRecord>(record(), record(null)), { nil: null }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const store = await make();
          const model = new Map<string, { version: number; value: LeaseStoreRecord }>();
          const seen = new Set<number>();
          for (const { key, expected, next } of ops) {
            const result = await store.compareAndSet(key, expected, next);
            const current = model.get(key);
            expect(result.ok).toBe((current?.version ?? null) === expected);
            if (!result.ok) continue;
            if (next === null) model.delete(key);
            else {
              expect(result.version !== null && !seen.has(result.version)).toBe(true);
              seen.add(result.version ?? 0);
              model.set(key, { version: result.version ?? 0, value: next });
            }
          }
          for (const key of ["a", "b"]) {
            const entry = await store.get(key);
            expect(entry ? { version: entry.version, value: entry.value } : undefined).toEqual(model.get(key));
          }
        }),
        { numRuns: 200 },
      );
    });
  });
}
