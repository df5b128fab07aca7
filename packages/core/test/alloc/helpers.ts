import type { Address } from "../../src/address.js";
import {
  Allocator,
  type AllocatorConfig,
  type IidAlgorithm,
  type LeaseStore,
  MemoryLeaseStore,
} from "../../src/alloc/index.js";
import type { DadCheck, DadOutcome } from "../../src/dad/check.js";
import { IidExhaustedError } from "../../src/errors.js";
import { createRfc7217 } from "../../src/iid/rfc7217.js";
import { Prefix } from "../../src/prefix.js";
import { fc } from "../support/fc.js";

export { fc };

export const SECRET = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
export const P1 = Prefix.parse("2001:db8:1::/64");
export const P2 = Prefix.parse("2001:db8:2::/64");
/** 8 host bits: 127 usable identifiers, so candidates of different owners collide often. */
export const TINY = Prefix.parse("2001:db8:3::/120");

const generate = createRfc7217(SECRET);

/**
 * What the allocator's rfc7217 algorithm proposes for `owner` at `dadCounter`, or "reserved"
 * when that counter gives a reserved identifier.
 */
export function candidate(prefix: Prefix, owner: string, dadCounter: number, networkId = ""): string {
  try {
    // Owners are `<id>/<ifname>`: RFC 7217's Net_Iface split at the last slash (docs/iid-encoding.md).
    const slash = owner.lastIndexOf("/");
    const netIface =
      slash < 0 ? { owner, ifname: "" } : { owner: owner.slice(0, slash), ifname: owner.slice(slash + 1) };
    return generate({ prefix, ...netIface, networkId, dadCounter, maxDadCounter: dadCounter }).address.toString();
  } catch (error) {
    if (error instanceof IidExhaustedError) return "reserved";
    throw error;
  }
}

/** `{ numRuns }` for an expensive property: at most `n`, and never more than FC_RUNS asks for. */
export function runs(n: number): { numRuns: number } {
  return { numRuns: Math.min(n, fc.readConfigureGlobal().numRuns ?? n) };
}

/** A virtual clock whose sleep only moves time and records the wait. */
export function virtualClock(start = 0) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

/** Decides each DAD: true for a duplicate, "inconclusive", or false for unique. */
export type Verdict = (address: string) => boolean | "inconclusive";

/**
 * A DadCheck that records every address it is asked about and answers with `verdict`, after a
 * few turns of the event loop's microtask queue, so that concurrent allocations interleave.
 */
export function fakeDad(verdict: Verdict = () => false) {
  const calls: string[] = [];
  const check: DadCheck = async (address: Address): Promise<DadOutcome> => {
    const text = address.toString();
    calls.push(text);
    for (let i = 0; i < 3; i++) await Promise.resolve();
    const v = verdict(text);
    if (v === "inconclusive") return { status: "inconclusive", reason: "link down" };
    return v ? { status: "duplicate", evidence: "NA from a squatter" } : { status: "unique" };
  };
  return { check, calls };
}

/** An allocator over P1 and P2 with the test secret, a virtual clock and the given DAD. */
export async function openAllocator(
  dad: DadCheck,
  extra: Partial<AllocatorConfig> & { clock?: ReturnType<typeof virtualClock>; store?: LeaseStore } = {},
) {
  const clock = extra.clock ?? virtualClock();
  const store = extra.store ?? new MemoryLeaseStore();
  const allocator = await Allocator.open({
    prefixes: [P1, P2],
    secret: SECRET,
    now: clock.now,
    sleep: clock.sleep,
    ...extra,
    dad,
    store,
  });
  return { allocator, clock, store };
}

/** FNV-1a of text and a seed: an arbitrary but reproducible way to pick addresses. */
export function pick(text: string, seed: number, percent: number): boolean {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 100 < percent;
}

/** An algorithm that gives every owner the identifier `::1:<counter>`, to force collisions. */
export function sameForAll(name = "same"): IidAlgorithm {
  return {
    name,
    derive: (r) => {
      const iid = Uint8Array.of(0, 0, 0, 0, 0, 1, 0, r.dadCounter);
      return { iid, dadCounter: r.dadCounter, address: r.prefix.withIid(iid) };
    },
  };
}
