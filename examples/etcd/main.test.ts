import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdCluster } from "../../packages/etcd/test/cluster.js";
import { format, main } from "./main.js";

describe("examples/etcd", () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  });
  afterAll(() => cluster?.stop());

  it("gives two hosts their own /64s and unique addresses in a shared one, and each learns the other's", async () => {
    const summary = await main(cluster.endpoints, 50);
    expect(Object.keys(summary.subnets).sort()).toEqual(["node-a", "node-b"]);
    expect(new Set(Object.values(summary.subnets)).size).toBe(2);
    expect(summary).toMatchObject({ leases: { "node-a": 50, "node-b": 50 }, unique: true, learned: 50 });
    expect(format(summary)).toContain("50 by node-a, 50 by node-b, all unique");
    // A second run is idempotent for the plan: the hosts get their subnets back.
    expect((await main(cluster.endpoints, 1)).subnets).toEqual(summary.subnets);
  });
});
