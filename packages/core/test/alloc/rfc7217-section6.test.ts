import { describe, expect, it } from "vitest";
import {
  AllocationInconclusiveError,
  Allocator,
  AllocatorInputError,
  DadRetriesExhaustedError,
  IDGEN_RETRIES,
  type IidAlgorithm,
} from "../../src/alloc/index.js";
import { candidate, fakeDad, fc, openAllocator, P1, runs, SECRET, virtualClock } from "./helpers.js";

// RFC 7217 §6 (rfc.md §4): on a DAD conflict increment DAD_Counter and regenerate, after a random
// delay of up to IDGEN_DELAY; try at least IDGEN_RETRIES addresses; cap the tries; on failure do
// not fall back to another algorithm; a persisted DAD_Counter is the starting value.

const OWNER = "ctr-1/eth0";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the allocation should have failed"),
    (error: unknown) => error,
  );
}

describe("RFC 7217 §6", () => {
  it("allocator: increments the DAD counter after a conflict", async () => {
    const squatted = new Set([candidate(P1, OWNER, 0), candidate(P1, OWNER, 1)]);
    const dad = fakeDad((a) => squatted.has(a));
    const { allocator } = await openAllocator(dad.check);
    const lease = await allocator.allocate(OWNER);
    expect(dad.calls).toEqual([0, 1, 2].map((c) => candidate(P1, OWNER, c)));
    expect(lease.dadCounter).toBe(2);
    expect(lease.address.toString()).toBe(candidate(P1, OWNER, 2));
  });

  it("allocator: tries at least IDGEN_RETRIES addresses", async () => {
    expect(IDGEN_RETRIES).toBe(3);
    const dad = fakeDad(() => true);
    const { allocator } = await openAllocator(dad.check);
    const error = await rejection(allocator.allocate(OWNER));
    expect(error).toBeInstanceOf(DadRetriesExhaustedError);
    expect((error as DadRetriesExhaustedError).code).toBe("DAD_RETRIES_EXHAUSTED");
    expect(new Set(dad.calls).size).toBe(IDGEN_RETRIES);
    await expect(openAllocator(dad.check, { maxTries: IDGEN_RETRIES - 1 })).rejects.toThrow(AllocatorInputError);
  });

  it("allocator: caps the number of tries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: IDGEN_RETRIES, max: 40 }), async (maxTries) => {
        const dad = fakeDad(() => true);
        const { allocator } = await openAllocator(dad.check, { maxTries });
        const error = (await rejection(allocator.allocate(OWNER))) as DadRetriesExhaustedError;
        expect(error.tries.map((t) => t.dadCounter)).toEqual(Array.from({ length: maxTries }, (_, i) => i));
        expect(dad.calls.length).toBe(maxTries);
        expect(allocator.size).toBe(0);
      }),
      runs(40),
    );
  });

  it("allocator: never falls back to another algorithm", async () => {
    let randomCalls = 0;
    const random: IidAlgorithm = {
      name: "random",
      derive: () => {
        randomCalls++;
        throw new Error("the fallback must not run");
      },
    };
    const dad = fakeDad(() => true);
    const { allocator } = await openAllocator(dad.check, { algorithms: [random], maxTries: 5 });
    const error = (await rejection(allocator.allocate(OWNER))) as DadRetriesExhaustedError;
    expect(error).toBeInstanceOf(DadRetriesExhaustedError);
    expect(randomCalls).toBe(0);
    expect(dad.calls).toEqual([0, 1, 2, 3, 4].map((c) => candidate(P1, OWNER, c)));
    expect(error.tries.every((t) => t.outcome === "duplicate")).toBe(true);
  });

  it("allocator: starts from a persisted DAD counter", async () => {
    const squatted = new Set([candidate(P1, OWNER, 0)]);
    const dad = fakeDad((a) => squatted.has(a));
    const { allocator, store } = await openAllocator(dad.check);
    expect((await allocator.allocate(OWNER)).dadCounter).toBe(1);
    await allocator.release(OWNER);
    squatted.clear(); // counter 0 would now pass DAD, but the stored counter must come first
    dad.calls.length = 0;
    expect((await allocator.allocate(OWNER)).dadCounter).toBe(1);
    expect(dad.calls).toEqual([candidate(P1, OWNER, 1)]);
    // The counter lives in the store, so a new allocator on the same store starts from it too.
    await allocator.release(OWNER);
    const other = await openAllocator(dad.check, { store });
    expect((await other.allocator.allocate(OWNER)).dadCounter).toBe(1);
  });

  it("allocator: waits IDGEN_DELAY between tries", async () => {
    const squatted = new Set([candidate(P1, OWNER, 0), candidate(P1, OWNER, 1)]);
    const clock = virtualClock(1_000);
    const { allocator } = await openAllocator(fakeDad((a) => squatted.has(a)).check, {
      clock,
      idgenDelayMs: 1000,
      random: () => 0.25,
    });
    const lease = await allocator.allocate(OWNER);
    expect(clock.sleeps).toEqual([250, 250]); // before the 2nd and 3rd tries, never before the 1st
    expect(clock.t).toBe(1_500);
    expect(lease.dadCounter).toBe(2);
    const noSleep = { prefixes: [P1], secret: SECRET, dad: fakeDad().check, now: clock.now, idgenDelayMs: 1000 };
    await expect(Allocator.open(noSleep)).rejects.toThrow(/sleep/);
  });

  it("allocator: never takes an inconclusive DAD as unique", async () => {
    const dad = fakeDad(() => "inconclusive");
    const { allocator, store } = await openAllocator(dad.check);
    const error = await rejection(allocator.allocate(OWNER));
    expect(error).toBeInstanceOf(AllocationInconclusiveError);
    expect((error as AllocationInconclusiveError).code).toBe("DAD_INCONCLUSIVE");
    expect(allocator.size).toBe(0);
    expect(await store.list("address/")).toEqual([]);
  });

  it("allocator: retries an inconclusive DAD on the same address when configured, within the cap", async () => {
    let answers = ["inconclusive", "unique"];
    const dad = fakeDad(() => (answers.shift() === "inconclusive" ? "inconclusive" : false));
    const { allocator } = await openAllocator(dad.check, { inconclusive: "retry" });
    const lease = await allocator.allocate(OWNER);
    expect(dad.calls).toEqual([candidate(P1, OWNER, 0), candidate(P1, OWNER, 0)]);
    expect(lease.dadCounter).toBe(0);
    answers = Array(10).fill("inconclusive");
    const stuck = (await rejection(allocator.allocate("ctr-2/eth0"))) as DadRetriesExhaustedError;
    expect(stuck.tries.map((t) => t.outcome)).toEqual(["inconclusive", "inconclusive", "inconclusive"]);
  });
});
