import { Prefix } from "@own6/core";
import { leaseStoreContract } from "@own6/testing";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdLeaseStore, EtcdRecordError, EtcdUnavailableError, PrefixPlan } from "../src/index.js";
import { EtcdCluster } from "./cluster.js";
import { AnswerDropProxy } from "./proxy.js";
import { freshPrefix, ownerRecord, until } from "./support.js";

let cluster: EtcdCluster;
const opened: { close(): void }[] = [];
beforeAll(async () => {
  cluster = await EtcdCluster.start(3);
});
afterAll(async () => {
  for (const s of opened) s.close();
  await cluster?.stop();
});

async function open(prefix = freshPrefix(), endpoints = cluster.endpoints): Promise<EtcdLeaseStore> {
  const store = await EtcdLeaseStore.open({ endpoints, prefix });
  opened.push(store);
  return store;
}

leaseStoreContract("EtcdLeaseStore", () => open());

describe("EtcdLeaseStore on a three-member cluster", () => {
  it("store: a version is the key's etcd mod_revision, and grows across a delete and a re-create", async () => {
    const prefix = freshPrefix();
    const store = await open(prefix);
    const raw = new Etcd3({ hosts: cluster.endpoints });
    try {
      const first = await store.compareAndSet("k", null, ownerRecord());
      const kv = (await raw.get(`${prefix}/leases/k`).exec()).kvs[0];
      expect(first).toEqual({ ok: true, version: Number(kv?.mod_revision) });
      await store.compareAndSet("k", first.ok ? first.version : 0, null);
      const second = await store.compareAndSet("k", null, ownerRecord());
      expect(second.ok && first.ok && (second.version ?? 0) > (first.version ?? 0)).toBe(true);
    } finally {
      raw.close();
    }
  });

  it("store: a version that is no version (0, negative, fractional) never creates the key", async () => {
    const store = await open();
    for (const v of [0, -1, 1.5]) expect((await store.compareAndSet("k", v, ownerRecord())).ok).toBe(false);
    expect(await store.get("k")).toBeUndefined();
  });

  it("store: lists more keys than one page holds, each once", async () => {
    const store = await open();
    const keys = Array.from({ length: 2500 }, (_, i) => `address/${i}`);
    for (let i = 0; i < keys.length; i += 250) {
      await Promise.all(keys.slice(i, i + 250).map((k) => store.compareAndSet(k, null, ownerRecord(k))));
    }
    const listed = await store.list("address/");
    expect(listed.map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(listed.every((r) => r.value.kind === "owner" && r.value.owner === r.key)).toBe(true);
  });

  it("store: refuses a value under its prefix that own6 did not write", async () => {
    const prefix = freshPrefix();
    const store = await open(prefix);
    const raw = new Etcd3({ hosts: cluster.endpoints });
    try {
      await raw.put(`${prefix}/leases/address/x`).value("not json");
      await expect(store.get("address/x")).rejects.toThrow(EtcdRecordError);
      await expect(store.list("address/")).rejects.toMatchObject({ code: "ETCD_RECORD_INVALID" });
    } finally {
      raw.close();
    }
  });

  it("store: fails with ETCD_UNAVAILABLE, within its retry budget, when no member answers", async () => {
    const store = await EtcdLeaseStore.open({ endpoints: ["http://127.0.0.1:9"], retryForMs: 300 });
    opened.push(store);
    await expect(store.compareAndSet("k", null, ownerRecord())).rejects.toThrow(EtcdUnavailableError);
    await expect(store.get("k")).rejects.toMatchObject({ code: "ETCD_UNAVAILABLE" });
    await expect(store.watch("", () => undefined)).rejects.toMatchObject({ code: "ETCD_UNAVAILABLE" });
  });
});

describe("a write whose answer is lost (the member dies after applying it)", () => {
  let proxy: AnswerDropProxy;
  beforeAll(async () => {
    proxy = await AnswerDropProxy.start(Number(new URL(cluster.endpoints[0] ?? "").port));
  });
  afterAll(() => proxy?.close());

  /**
   * Runs `write` through the proxy, holding answers from its request that carries `marker`;
   * loses them once the write shows in `applied`, and returns what the write returns.
   */
  async function losingTheAnswer<T>(
    marker: string,
    write: () => Promise<T>,
    applied: () => Promise<boolean>,
  ): Promise<T> {
    proxy.holdAnswersAfter(marker);
    const pending = write();
    await until(applied);
    proxy.cut();
    return pending;
  }

  it("store: the repeat finds its own record and reports the write as won, with its version", async () => {
    const prefix = freshPrefix();
    const writer = await open(prefix, [proxy.endpoint]);
    const observer = await open(prefix);
    const result = await losingTheAnswer(
      '"owner":"mine"',
      () => writer.compareAndSet("k", null, ownerRecord("mine")),
      async () => (await observer.get("k")) !== undefined,
    );
    const stored = await observer.get("k");
    expect(result).toEqual({ ok: true, version: stored?.version });
    expect(stored?.value).toEqual(ownerRecord("mine"));
  });

  it("plan: the repeat of a claim returns the subnet the first try took", async () => {
    const config = { endpoints: [proxy.endpoint], prefix: freshPrefix() };
    const plan = PrefixPlan.open(config, { prefix: Prefix.parse("2001:db8:100::/56") });
    const observer = PrefixPlan.open({ ...config, endpoints: cluster.endpoints }, { prefix: plan.prefix });
    opened.push(plan, observer);
    const entry = await losingTheAnswer(
      '"host":"node-1"',
      () => plan.claim("node-1"),
      async () => (await observer.of("node-1")) !== undefined,
    );
    expect(entry).toEqual(await observer.of("node-1"));
    expect(await observer.list()).toHaveLength(1);
  });
});
