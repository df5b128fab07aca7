import { randomBytes } from "node:crypto";
import { EtcdLeaseStore } from "@own6/etcd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdCluster } from "../../etcd/test/cluster.js";
import { BIN, type CniVars, exec, failed, inProcess, ok, type Run, requireBuild, tempDir } from "./helpers.js";

// The `store` setting: own6-ipam's leases in etcd (one network, one key prefix), run in-process
// and as the built executable (which loads @own6/etcd only then), and the settings refused.

const NETWORK = "own6-etcd-net";

function vars(command: string, id: string): CniVars {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: "/run/netns/never",
    CNI_IFNAME: "eth0",
    CNI_PATH: "/opt/cni/bin",
  };
}

function ipamConf(dataDir: string, store: unknown): string {
  return JSON.stringify({
    cniVersion: "1.0.0",
    name: NETWORK,
    type: "macvlan",
    master: "eth0",
    ipam: { type: "own6-ipam", prefix: "2001:db8:e::/64", dataDir, dad: { enabled: false }, store },
  });
}

describe("own6-ipam with an etcd store", () => {
  let cluster: EtcdCluster | undefined;
  const stores: EtcdLeaseStore[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    await cluster?.stop();
  });

  async function addAndDel(run: (v: CniVars, stdin: string) => Promise<Run>): Promise<void> {
    const endpoints = cluster?.endpoints ?? [];
    const prefix = `/own6-test-${randomBytes(6).toString("hex")}`;
    const stdin = ipamConf(tempDir(), { type: "etcd", endpoints, prefix });
    const id = `ctr-${randomBytes(4).toString("hex")}`;
    const store = await EtcdLeaseStore.open({ endpoints, prefix: `${prefix}/cni/${NETWORK}` });
    stores.push(store);

    const result = ok(await run(vars("ADD", id), stdin));
    const address = ((result.ips as { address: string }[])[0]?.address ?? "").split("/")[0];
    const held = (await store.list("address/")).filter(
      ({ value }) => value.kind === "address" && value.owner === `${id}/eth0` && value.state === "bound",
    );
    expect(held.map(({ value }) => value.kind === "address" && value.address)).toEqual([address]);
    const key = held[0]?.key ?? "";
    expect(await store.get(key)).toBeDefined();

    ok(await run(vars("DEL", id), stdin));
    const after = await store.get(key);
    expect(after === undefined || (after.value.kind === "address" && after.value.state !== "bound")).toBe(true);
    expect(
      (await store.list("address/")).some(({ value }) => value.kind === "address" && value.owner === `${id}/eth0`),
    ).toBe(false);
  }

  it("in-process: ADD records the lease in etcd under <prefix>/cni/<network>, DEL removes it", async () => {
    await addAndDel((v, stdin) => inProcess("ipam", v, stdin));
  });

  it("the built executable loads the etcd client and does the same", async () => {
    requireBuild();
    await addAndDel((v, stdin) => exec(BIN.ipam, v, stdin));
  });
});

describe("invalid store settings are code 7 naming the key", () => {
  const add = (stdin: string) => inProcess("ipam", vars("ADD", "ctr1"), stdin);
  it.each([
    ["not an object", "etcd", /ipam\.store must be an object/],
    ["an unknown type", { type: "mongo" }, /ipam\.store\.type/],
    ["a sqlite store with a stray key", { type: "sqlite", endpoints: [] }, /ipam\.store\.endpoints/],
    ["etcd without endpoints", { type: "etcd" }, /ipam\.store\.endpoints/],
    ["etcd with a bad endpoint", { type: "etcd", endpoints: ["127.0.0.1"] }, /ipam\.store: endpoint "127\.0\.0\.1"/],
    [
      "etcd with a TTL lease",
      { type: "etcd", endpoints: ["http://127.0.0.1:2379"], lease: { ttlSeconds: 30 } },
      /ipam\.store\.lease .*one command/,
    ],
  ])("own6-ipam: %s", async (_, store, message) => {
    expect(failed(await add(ipamConf(tempDir(), store)), 7).msg).toMatch(message);
  });

  it("own6-cni reads store at the top level", async () => {
    const conf = JSON.stringify({
      cniVersion: "1.0.0",
      name: NETWORK,
      type: "own6-cni",
      master: "eth0",
      prefix: "2001:db8:e::/64",
      dataDir: tempDir(),
      store: { type: "etcd", endpoints: ["http://127.0.0.1:2379"], lease: { ttlSeconds: 5 } },
    });
    expect(failed(await inProcess("cni", vars("ADD", "ctr1"), conf), 7).msg).toMatch(/^store\.lease/);
  });
});
