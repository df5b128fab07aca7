import { describe, expect, it } from "vitest";
import { Address } from "../../src/address.js";
import {
  Allocator,
  AllocatorInputError,
  DadRetriesExhaustedError,
  type IidAlgorithm,
  randomAlgorithm,
} from "../../src/alloc/index.js";
import { PrefixUnhostableError } from "../../src/errors.js";
import { rfc7217Iid } from "../../src/iid/rfc7217.js";
import { Prefix } from "../../src/prefix.js";
import { candidate, fakeDad, openAllocator, P1, P2, SECRET, sameForAll, virtualClock } from "./helpers.js";

const P9 = Prefix.parse("2001:db8:9::/64");
const owners = Array.from({ length: 12 }, (_, i) => `ctr-${i}/eth0`);

describe("allocator: idempotence and release", () => {
  it("allocator: gives the same owner the same lease back without a second DAD", async () => {
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check);
    const first = await allocator.allocate("ctr-1/eth0");
    const again = await allocator.allocate("ctr-1/eth0");
    expect(again).toEqual(first);
    expect(dad.calls).toEqual([first.address.toString()]);
    expect(allocator.size).toBe(1);
  });

  it("allocator: gives one owner one lease per prefix", async () => {
    const { allocator } = await openAllocator(fakeDad().check);
    const a = await allocator.allocate("ctr-1/eth0");
    const b = await allocator.allocate("ctr-1/eth0", { prefix: P2 });
    expect(a.prefix.equals(P1) && b.prefix.equals(P2)).toBe(true);
    expect(allocator.leasesOf("ctr-1/eth0").map((l) => l.prefix.toString())).toEqual([P1.toString(), P2.toString()]);
  });

  it("allocator: release frees the address and forgets the owner", async () => {
    const dad = fakeDad();
    const { allocator, store } = await openAllocator(dad.check);
    const lease = await allocator.allocate("ctr-1/eth0");
    const released = await allocator.release("ctr-1/eth0");
    expect(released.map((l) => l.address.toString())).toEqual([lease.address.toString()]);
    expect(allocator.lookup(lease.address)).toBeUndefined();
    expect(allocator.leasesOf("ctr-1/eth0")).toEqual([]);
    expect(await store.list("")).toEqual([]); // no counter was raised, so nothing is kept
    expect(await allocator.release("ctr-1/eth0")).toEqual([]);
    await allocator.allocate("ctr-1/eth0");
    expect(dad.calls.length).toBe(2); // a released owner is proven again
  });

  it("allocator: a released address can go to another owner", async () => {
    const { allocator } = await openAllocator(fakeDad().check, { algorithm: "same", algorithms: [sameForAll()] });
    const a = await allocator.allocate("ctr-1/eth0");
    const b = await allocator.allocate("ctr-2/eth0");
    expect(b.dadCounter).toBe(1); // counter 0 was in use
    await allocator.release("ctr-1/eth0");
    expect((await allocator.allocate("ctr-3/eth0")).address).toEqual(a.address);
  });

  it("allocator: a DadCheck that throws leaves nothing behind", async () => {
    const { allocator, store } = await openAllocator(async () => {
      throw new Error("probe crashed");
    });
    await expect(allocator.allocate("ctr-1/eth0")).rejects.toThrow("probe crashed");
    expect(allocator.size).toBe(0);
    expect(await store.list("address/")).toEqual([]);
  });
});

describe("allocator: lifetimes", () => {
  it("allocator: a lease is preferred, then deprecated, then expired, on the injected clock", async () => {
    const clock = virtualClock(10_000);
    const { allocator } = await openAllocator(fakeDad().check, { clock });
    const lease = await allocator.allocate("ctr-1/eth0", { lifetime: { preferredMs: 100, validMs: 250 } });
    expect([lease.state, lease.preferredUntil, lease.validUntil]).toEqual(["preferred", 10_100, 10_250]);
    clock.t = 10_099;
    expect(allocator.lookup(lease.address)?.state).toBe("preferred");
    clock.t = 10_100;
    expect(allocator.lookup(lease.address)?.state).toBe("deprecated");
    clock.t = 10_249;
    expect(await allocator.expire()).toEqual([]);
    clock.t = 10_250;
    expect(allocator.lookup(lease.address)?.state).toBe("expired");
    expect((await allocator.expire()).map((l) => l.owner)).toEqual(["ctr-1/eth0"]);
    expect(allocator.lookup(lease.address)).toBeUndefined();
  });

  it("allocator: an expired lease is not handed back; the owner gets a fresh, DAD-proven one", async () => {
    const clock = virtualClock();
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check, { clock, lifetime: { preferredMs: 5, validMs: 10 } });
    const old = await allocator.allocate("ctr-1/eth0");
    clock.t = 10;
    const fresh = await allocator.allocate("ctr-1/eth0");
    expect(fresh.validUntil).toBe(20);
    expect(fresh.address).toEqual(old.address);
    expect(dad.calls.length).toBe(2);
  });

  it("allocator: an expired lease of another owner is taken over", async () => {
    const clock = virtualClock();
    const { allocator } = await openAllocator(fakeDad().check, {
      clock,
      algorithm: "same",
      algorithms: [sameForAll()],
    });
    await allocator.allocate("ctr-1/eth0", { lifetime: { preferredMs: 5, validMs: 10 } });
    clock.t = 10;
    await allocator.expire();
    expect((await allocator.allocate("ctr-2/eth0")).dadCounter).toBe(0);
  });

  it("allocator: rejects lifetimes where preferred exceeds valid", async () => {
    const { allocator } = await openAllocator(fakeDad().check);
    await expect(allocator.allocate("c", { lifetime: { preferredMs: 2, validMs: 1 } })).rejects.toMatchObject({
      code: "LIFETIME_INVALID",
    });
  });
});

describe("allocator: renumbering", () => {
  it("allocator: renumbering keeps identifiers in the new prefix and deprecates the old one", async () => {
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check, { prefixes: [P1] });
    const before = await Promise.all(owners.map((o) => allocator.allocate(o)));
    dad.calls.length = 0;
    const { moved, failed } = await allocator.renumber(P1, P9);
    expect(failed).toEqual([]);
    expect(moved.map((l) => l.owner)).toEqual(owners);
    for (const [i, lease] of moved.entries()) {
      expect(lease.prefix.equals(P9)).toBe(true);
      expect(lease.iid).toEqual(before[i]?.iid);
      expect(lease.dadCounter).toBe(before[i]?.dadCounter);
      expect(allocator.lookup(before[i]?.address ?? lease.address)?.state).toBe("deprecated");
    }
    expect(new Set(dad.calls)).toEqual(new Set(moved.map((l) => l.address.toString())));
    expect((await allocator.allocate("ctr-new/eth0")).prefix.equals(P9)).toBe(true);
    await expect(allocator.allocate("ctr-new/eth0", { prefix: P1 })).rejects.toMatchObject({
      code: "PREFIX_DEPRECATED",
    });
  });

  it("allocator: renumbering takes the next DAD counter when the kept identifier conflicts", async () => {
    const owner = "ctr-1/eth0";
    const kept = P9.withIid(Prefix.parse(`${P1}`).iidOf(Address.parse(candidate(P1, owner, 0)))).toString();
    const dad = fakeDad((a) => a === kept);
    const { allocator } = await openAllocator(dad.check);
    await allocator.allocate(owner);
    const { moved } = await allocator.renumber(P1, P9);
    expect(moved[0]?.dadCounter).toBe(1);
    expect(moved[0]?.address.toString()).toBe(candidate(P9, owner, 1));
    expect(dad.calls.slice(1)).toEqual([kept, candidate(P9, owner, 1)]);
  });

  it("allocator: old addresses stay valid until their valid lifetime, then go", async () => {
    const clock = virtualClock();
    const { allocator } = await openAllocator(fakeDad().check, { clock });
    const old = await allocator.allocate("ctr-1/eth0");
    await allocator.renumber(P1, P9, { validMs: 1000 });
    clock.t = 999;
    expect(await allocator.expire()).toEqual([]);
    expect(allocator.leasesOf("ctr-1/eth0").map((l) => l.state)).toEqual(["deprecated", "preferred"]);
    clock.t = 1000;
    const gone = await allocator.expire();
    expect(gone.map((l) => l.address.toString())).toEqual([old.address.toString()]);
    expect(allocator.leasesOf("ctr-1/eth0").map((l) => l.prefix.toString())).toEqual([P9.toString()]);
    await expect(allocator.allocate("x", { prefix: P1 })).rejects.toMatchObject({ code: "PREFIX_UNKNOWN" });
  });

  it("allocator: renumbering reports the owners that got no address in the new prefix", async () => {
    const { allocator } = await openAllocator(fakeDad((a) => a.startsWith("2001:db8:9:")).check);
    await allocator.allocate("ctr-1/eth0");
    const { moved, failed } = await allocator.renumber(P1, P9);
    expect(moved).toEqual([]);
    expect(failed.map((f) => f.owner)).toEqual(["ctr-1/eth0"]);
    expect(failed[0]?.error).toBeInstanceOf(DadRetriesExhaustedError);
  });

  it("allocator: removePrefix releases every lease in it", async () => {
    const { allocator, store } = await openAllocator(fakeDad().check);
    await Promise.all(owners.map((o) => allocator.allocate(o, { prefix: P2 })));
    expect((await allocator.removePrefix(P2)).length).toBe(owners.length);
    expect(allocator.size).toBe(0);
    expect(await store.list("")).toEqual([]);
  });
});

describe("allocator: input", () => {
  it("allocator: rejects empty and ill-formed owners, unknown prefixes and algorithms", async () => {
    const { allocator } = await openAllocator(fakeDad().check);
    await expect(allocator.allocate("")).rejects.toMatchObject({ code: "OWNER_INVALID" });
    await expect(allocator.allocate("a\uD800")).rejects.toMatchObject({ code: "OWNER_INVALID" });
    await expect(allocator.allocate("a", { prefix: P9 })).rejects.toMatchObject({ code: "PREFIX_UNKNOWN" });
    await expect(allocator.allocate("a", { algorithm: "nope" })).rejects.toMatchObject({ code: "ALGORITHM_UNKNOWN" });
    expect(() => allocator.addPrefix(Prefix.parse("2001:db8:1::/80"))).toThrow(AllocatorInputError);
  });

  it("allocator: rejects configurations it cannot honour", async () => {
    const dad = fakeDad().check;
    await expect(Allocator.open({ prefixes: [P1], dad, now: () => 0 })).rejects.toMatchObject({
      code: "ALLOC_CONFIG_INVALID", // rfc7217, the default, needs a secret
    });
    await expect(openAllocator(dad, { prefixes: [P1, Prefix.parse("2001:db8::/32")] })).rejects.toMatchObject({
      code: "PREFIX_OVERLAP",
    });
    await expect(openAllocator(dad, { prefixes: [Prefix.parse("ff02::/64")] })).rejects.toThrow(PrefixUnhostableError);
    const random = randomAlgorithm((n) => new Uint8Array(n).fill(7));
    await expect(openAllocator(dad, { algorithms: [random, random] })).rejects.toMatchObject({
      code: "ALLOC_CONFIG_INVALID",
    });
  });

  it("allocator: treats a reserved identifier from any algorithm like a conflict", async () => {
    const anycast: IidAlgorithm = {
      name: "anycast-first",
      derive: (r) => {
        // Counter 0 is the subnet-router anycast identifier, 1 the Proxy Mobile IPv6 one (RFC 6543).
        const iids = [
          [0, 0, 0, 0, 0, 0, 0, 0],
          [2, 0, 0x5e, 0xff, 0xfe, 0, 0x52, 0x13],
          [0, 0, 0, 0, 0, 0, 0, 9],
        ];
        const iid = Uint8Array.from(iids[r.dadCounter] ?? []);
        return { iid, dadCounter: r.dadCounter, address: r.prefix.withIid(iid) };
      },
    };
    const dad = fakeDad();
    const { allocator } = await openAllocator(dad.check, { algorithm: "anycast-first", algorithms: [anycast] });
    const lease = await allocator.allocate("ctr-1/eth0");
    expect([lease.dadCounter, lease.address.toString()]).toEqual([2, "2001:db8:1::9"]);
    expect(dad.calls).toEqual(["2001:db8:1::9"]); // reserved candidates are never probed
  });

  it("allocator: other algorithms are chosen by name and recorded in the lease", async () => {
    let draw = 0;
    const random = randomAlgorithm((n) => Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? ++draw : 9)));
    const { allocator } = await openAllocator(fakeDad().check, { algorithms: [random] });
    const lease = await allocator.allocate("ctr-1/eth0", { algorithm: "random", networkId: "blue" });
    expect([lease.algorithm, lease.networkId, lease.address.toString()]).toEqual([
      "random",
      "blue",
      "2001:db8:1:0:909:909:909:901",
    ]);
  });
});

describe("DAD context", () => {
  it("allocator: tells the DAD check which owner the candidate is for", async () => {
    const owners: (string | undefined)[] = [];
    const allocator = await Allocator.open({
      prefixes: [P1],
      secret: SECRET,
      now: () => 0,
      dad: async (_address, context) => {
        owners.push(context?.owner);
        return { status: "unique" };
      },
    });
    await allocator.allocate("ctr-7/eth0");
    expect(owners).toEqual(["ctr-7/eth0"]);
  });
});

describe("rfc7217 owners", () => {
  it("allocator: an owner <id>/<ifname> gets what own6 iid --owner <id> --ifname <ifname> predicts", async () => {
    const allocator = await Allocator.open({
      prefixes: [P1],
      secret: SECRET,
      now: () => 0,
      dad: async () => ({ status: "unique" }),
    });
    const lease = await allocator.allocate("4f1c2b9e/eth0", { networkId: "blue" });
    const predicted = rfc7217Iid({ prefix: P1, secret: SECRET, owner: "4f1c2b9e", ifname: "eth0", networkId: "blue" });
    expect(lease.address.toString()).toBe(predicted.address.toString());
  });
});
