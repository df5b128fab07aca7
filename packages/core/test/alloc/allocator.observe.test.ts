import { describe, expect, it } from "vitest";
import { MemoryLeaseStore } from "../../src/alloc/index.js";
import { fakeDad, openAllocator, P1 } from "./helpers.js";

// observe() is how an allocator learns of changes other allocators make, as a store's watch
// reports them; here the test plays the watch.
describe("allocator: observe", () => {
  it("allocator: adopts a lease bound by another allocator, so lookups answer for it", async () => {
    const store = new MemoryLeaseStore();
    const one = await openAllocator(fakeDad().check, { store });
    const two = await openAllocator(fakeDad().check, { store });
    const lease = await one.allocator.allocate("ctr-1/eth0");
    expect(two.allocator.lookup(lease.address)).toBeUndefined(); // lookups are local
    const key = `address/${lease.address}`;
    two.allocator.observe(key, (await store.get(key))?.value ?? null);
    expect(two.allocator.lookup(lease.address)?.owner).toBe("ctr-1/eth0");
    expect(two.allocator.leasesOf("ctr-1/eth0").map((l) => l.address.toString())).toEqual([lease.address.toString()]);
  });

  it("allocator: forgets an address deleted or claimed afresh elsewhere", async () => {
    const store = new MemoryLeaseStore();
    const one = await openAllocator(fakeDad().check, { store });
    const two = await openAllocator(fakeDad().check, { store });
    const lease = await one.allocator.allocate("a");
    const key = `address/${lease.address}`;
    const bound = (await store.get(key))?.value ?? null;
    two.allocator.observe(key, bound);
    two.allocator.observe(key, null);
    expect(two.allocator.lookup(lease.address)).toBeUndefined();
    two.allocator.observe(key, bound);
    two.allocator.observe(key, bound && ({ ...bound, state: "tentative" } as typeof bound));
    expect(two.allocator.lookup(lease.address)).toBeUndefined();
  });

  it("allocator: ignores owner records, other prefixes and the rows of its own running allocations", async () => {
    const store = new MemoryLeaseStore();
    let release: () => void = () => undefined;
    const slowDad = async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { status: "unique" as const };
    };
    const { allocator } = await openAllocator(slowDad, { store, prefixes: [P1] });
    const running = allocator.allocate("a");
    await new Promise((resolve) => setImmediate(resolve));
    const [claim] = await store.list("address/");
    expect(claim?.value).toMatchObject({ state: "tentative" });
    allocator.observe(claim?.key ?? "", null); // its own claim, still under DAD: untouched
    allocator.observe("owner/2001:db8:1::/64/a", null);
    allocator.observe("address/2001:db8:99::1", null);
    release();
    const lease = await running;
    expect(allocator.lookup(lease.address)?.owner).toBe("a");
  });
});
