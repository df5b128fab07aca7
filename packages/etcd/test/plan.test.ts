import { Prefix } from "@own6/core";
import { fc } from "@own6/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanExhaustedError, PlanInputError, PrefixPlan } from "../src/index.js";
import { lowestFree } from "../src/plan/plan.js";
import { EtcdCluster } from "./cluster.js";
import { killAllHosts, startHost } from "./hosts.js";
import { freshPrefix } from "./support.js";

const SLASH56 = Prefix.parse("2001:db8:100::/56");

describe("lowestFree", () => {
  it("plan: gives the lowest indexes not taken, ascending, at most as many as asked", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 63 })), fc.integer({ min: 1, max: 70 }), (taken, want) => {
        const sorted = [...taken].sort((a, b) => a - b).map(BigInt);
        const expected = Array.from({ length: 64 }, (_, i) => BigInt(i))
          .filter((i) => !sorted.includes(i))
          .slice(0, want);
        expect(lowestFree(sorted, 64n, want)).toEqual(expected);
      }),
    );
  });
});

describe("PrefixPlan on a three-member cluster", () => {
  let cluster: EtcdCluster;
  const plans: PrefixPlan[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
  });
  afterAll(async () => {
    await killAllHosts();
    for (const p of plans) p.close();
    await cluster?.stop();
  });

  function open(prefix = SLASH56, length?: number, keyPrefix = freshPrefix()): PrefixPlan {
    const plan = PrefixPlan.open(
      { endpoints: cluster.endpoints, prefix: keyPrefix },
      { prefix, ...(length !== undefined && { length }) },
    );
    plans.push(plan);
    return plan;
  }

  it("plan: a claim is idempotent, a release frees the subnet, and the list shows the plan", async () => {
    const plan = open();
    const a = await plan.claim("node-a");
    expect(SLASH56.covers(a.subnet) && a.subnet.bits === 64).toBe(true);
    expect(a.subnet.equals(SLASH56.nth(64, a.index))).toBe(true);
    expect(await plan.claim("node-a")).toEqual(a);
    const b = await plan.claim("node-b");
    expect(b.subnet.equals(a.subnet)).toBe(false);
    expect((await plan.list()).map((e) => e.host).sort()).toEqual(["node-a", "node-b"]);
    expect(await plan.release("node-a")).toEqual(a);
    expect(await plan.release("node-a")).toBeUndefined();
    expect(await plan.of("node-a")).toBeUndefined();
    expect((await plan.list()).map((e) => e.host)).toEqual(["node-b"]);
  });

  it("plan: fills low subnets first, and refuses a claim once every subnet is taken", async () => {
    const plan = open(Prefix.parse("2001:db8:200::/62"));
    const entries = [];
    for (const host of ["h0", "h1", "h2", "h3"]) entries.push(await plan.claim(host));
    expect(entries.map((e) => e.index)).toEqual([0n, 1n, 2n, 3n]);
    await expect(plan.claim("h4")).rejects.toThrow(PlanExhaustedError);
    await plan.release("h2");
    expect((await plan.claim("h4")).index).toBe(entries.find((e) => e.host === "h2")?.index);
  });

  it("plan: plans of other prefixes or lengths do not meet", async () => {
    const keyPrefix = freshPrefix();
    const by64 = open(SLASH56, 64, keyPrefix);
    const by60 = open(SLASH56, 60, keyPrefix);
    const a = await by64.claim("node-a");
    const b = await by60.claim("node-a");
    expect([a.subnet.bits, b.subnet.bits]).toEqual([64, 60]);
    expect(await by64.list()).toHaveLength(1);
  });

  it("plan: rejects subnets no longer than the prefix, and empty host names", async () => {
    expect(() => open(SLASH56, 56)).toThrow(PlanInputError);
    expect(() => open(SLASH56, 129)).toThrow(PlanInputError);
    await expect(open().claim("")).rejects.toMatchObject({ code: "PLAN_INPUT_INVALID" });
  });

  it("plan: 256 hosts claiming at once from 8 processes get the 256 /64s of a /56, each its own", async () => {
    const config = { endpoints: cluster.endpoints, prefix: freshPrefix() };
    const hosts = Array.from({ length: 8 }, (_, p) =>
      startHost({
        mode: "plan",
        config,
        prefix: SLASH56.toString(),
        hosts: Array.from({ length: 32 }, (_, i) => `node-${p}-${i}`),
      }),
    );
    const codes = await Promise.all(hosts.map((h) => h.exited));
    expect(codes).toEqual(Array(8).fill(0));
    const claimed = hosts.flatMap((h) => h.lines) as { host: string; subnet: string }[];
    expect(claimed).toHaveLength(256);
    expect(new Set(claimed.map((c) => c.subnet)).size).toBe(256);
    const plan = open(SLASH56, 64, config.prefix);
    const listed = await plan.list();
    expect(listed.map((e) => `${e.host} ${e.subnet}`).sort()).toEqual(
      claimed.map((c) => `${c.host} ${c.subnet}`).sort(),
    );
    await expect(plan.claim("node-256")).rejects.toMatchObject({ code: "PLAN_EXHAUSTED" });
  });
});
