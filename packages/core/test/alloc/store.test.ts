import { leaseStoreContract } from "@own6/testing";
import { expect, it } from "vitest";
import { MemoryLeaseStore } from "../../src/alloc/index.js";

leaseStoreContract("MemoryLeaseStore", () => new MemoryLeaseStore());

it("MemoryLeaseStore hands out frozen copies", async () => {
  const store = new MemoryLeaseStore();
  await store.compareAndSet("k", null, {
    kind: "owner",
    owner: "o",
    prefix: "2001:db8::/64",
    address: null,
    dadCounters: [],
  });
  const read = await store.get("k");
  expect(Object.isFrozen(read) && Object.isFrozen(read?.value)).toBe(true);
});
