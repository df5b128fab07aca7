import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { EtcdLeaseStore, type StoreConfig } from "@own6/etcd";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdCluster } from "../../etcd/test/cluster.js";
import { main } from "../src/main.js";
import { Plugin } from "../src/plugin.js";
import { FakeHost } from "./support/fake-host.js";
import { gaugesOf } from "./support/plugin.js";

// `--store`: the plugin's leases in etcd, shared with other hosts, and what a bad file gets.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "own6-docker-etcd-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(store: StoreConfig): Promise<Plugin> {
  return Plugin.open({
    stateDir: tempDir(),
    host: new FakeHost(),
    log: pino({ level: "silent" }),
    defaultParent: "upl0",
    store,
  });
}

/** A pool and a network on it (the network names the parent DAD probes on); returns the PoolID. */
async function network(plugin: Plugin, pool: string): Promise<string> {
  const { PoolID } = (await plugin.dispatcher.call("/IpamDriver.RequestPool", { V6: true, Pool: pool })) as {
    PoolID: string;
  };
  await plugin.dispatcher.call("/NetworkDriver.CreateNetwork", {
    NetworkID: "d".repeat(64),
    Options: { "com.docker.network.enable_ipv6": true, "com.docker.network.generic": { parent: "upl0" } },
    IPv6Data: [{ AddressSpace: "", Pool: pool, Gateway: "" }],
  });
  return PoolID;
}

async function requestAddress(plugin: Plugin, PoolID: string): Promise<string> {
  const { Address } = (await plugin.dispatcher.call("/IpamDriver.RequestAddress", {
    PoolID,
    Address: "",
    Options: {},
  })) as {
    Address: string;
  };
  return Address.split("/")[0] ?? "";
}

describe("own6-docker with an etcd store", () => {
  let cluster: EtcdCluster | undefined;
  const closing: { close(): void }[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  });
  afterAll(async () => {
    for (const c of closing) c.close();
    await cluster?.stop();
  });

  it("records the addresses it hands out in etcd, under a TTL lease, and other hosts learn them", async () => {
    const endpoints = cluster?.endpoints ?? [];
    const prefix = `/own6-test-${Math.random().toString(36).slice(2)}`;
    const config: StoreConfig = { type: "etcd", endpoints, prefix, lease: { ttlSeconds: 30, hostId: "host-a" } };
    const a = await open(config);
    closing.push(a);
    const b = await open({ ...config, lease: { ttlSeconds: 30, hostId: "host-b" } });
    closing.push(b);
    const reader = await EtcdLeaseStore.open({ endpoints, prefix });
    closing.push(reader);

    const poolA = await network(a, "2001:db8:e1::/64");
    const address = await requestAddress(a, poolA);
    const records = (await reader.list("address/")).flatMap(({ value }) => (value.kind === "address" ? [value] : []));
    expect(records.filter((r) => r.state === "bound").map((r) => r.address)).toEqual([address]);

    // Host b serves the same prefix: its first address is another one, as the shared table says.
    const other = await requestAddress(b, await network(b, "2001:db8:e1::/64"));
    expect(other).not.toBe(address);
    const bound = (await reader.list("address/")).filter(
      ({ value }) => value.kind === "address" && value.state === "bound",
    );
    expect(bound).toHaveLength(2);

    // b watches the shared table: a's next lease reaches b's allocator without b asking.
    const leases = () => gaugesOf(b.metrics.render()).own6_docker_leases ?? 0;
    const before = leases();
    await requestAddress(a, poolA);
    for (let i = 0; i < 100 && leases() === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(leases()).toBe(before + 1);
  });
});

describe("--store", () => {
  async function run(argv: string[]): Promise<{ status: number; stderr: string }> {
    let stderr = "";
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const status = await main(argv, {
      stdout: sink,
      stderr: {
        write: (t: string) => {
          stderr += t;
          return true;
        },
      },
      stopped: Promise.resolve(),
    });
    return { status, stderr };
  }

  it.each([
    ["a missing file", undefined, /--store .*missing\.json cannot be read/],
    ["a file that is not JSON", "{type:", /--store .* is not JSON/],
    ["an etcd store without endpoints", '{"type":"etcd"}', /--store .*: store\.endpoints/],
    ["an unknown type", '{"type":"redis"}', /--store .*: store\.type must be "sqlite" or "etcd"/],
  ])("refuses %s with one line and status 2", async (_, content, message) => {
    const file = join(tempDir(), content === undefined ? "missing.json" : "store.json");
    if (content !== undefined) writeFileSync(file, content);
    const { status, stderr } = await run(["--store", file, "--state-dir", tempDir()]);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});
