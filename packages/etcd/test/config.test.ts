import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryLeaseStore } from "@own6/core";
import { Etcd3, Range } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsOf } from "../src/config.js";
import {
  EtcdConfigError,
  EtcdLeaseStore,
  EtcdRequestError,
  openStore,
  parseEtcdConfig,
  parseStoreConfig,
} from "../src/index.js";
import { makeCertificates } from "./certificates.js";
import { EtcdCluster } from "./cluster.js";
import { ownerRecord } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "own6-etcd-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ENDPOINTS = ["http://10.0.0.1:2379", "http://10.0.0.2:2379"];
const SECRET = "s3cret-do-not-print";

describe("parseStoreConfig", () => {
  it("config: no store means the host's SQLite database; sqlite may name its directory", () => {
    expect(parseStoreConfig(undefined)).toEqual({ type: "sqlite" });
    expect(parseStoreConfig({ type: "sqlite", dir: "/var/lib/own6/x" })).toEqual({
      type: "sqlite",
      dir: "/var/lib/own6/x",
    });
  });

  it("config: takes a full etcd configuration as it is", () => {
    const config = {
      type: "etcd",
      endpoints: ["https://10.0.0.1:2379"],
      prefix: "/own6/prod",
      tls: { caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem" },
      auth: { username: "own6", passwordFile: "/pw" },
      lease: { ttlSeconds: 30, hostId: "node-7" },
      requestTimeoutMs: 2000,
      retryForMs: 10_000,
    };
    expect(parseStoreConfig(config)).toEqual(config);
    expect(parseEtcdConfig({ endpoints: ENDPOINTS })).toEqual({ endpoints: ENDPOINTS });
  });

  const rejected: [string, unknown, RegExp][] = [
    ["an unknown type", { type: "redis" }, /store\.type/],
    ["no endpoints", { type: "etcd", endpoints: [] }, /endpoints/],
    ["an endpoint without a port", { type: "etcd", endpoints: ["http://10.0.0.1"] }, /http\(s\):\/\/host:port/],
    ["mixed schemes", { type: "etcd", endpoints: ["http://a:1", "https://b:2"] }, /mix/],
    ["TLS over http", { type: "etcd", endpoints: ENDPOINTS, tls: { caFile: "/ca" } }, /https/],
    [
      "a certificate without its key",
      { type: "etcd", endpoints: ["https://a:1"], tls: { caFile: "/ca", certFile: "/c" } },
      /together/,
    ],
    ["a typo", { type: "etcd", endpoint: ENDPOINTS }, /store\.endpoint is not a known field/],
    ["a prefix ending in /", { type: "etcd", endpoints: ENDPOINTS, prefix: "/own6/" }, /prefix/],
    ["a zero TTL", { type: "etcd", endpoints: ENDPOINTS, lease: { ttlSeconds: 0 } }, /ttlSeconds/],
    ["a fractional TTL", { type: "etcd", endpoints: ENDPOINTS, lease: { ttlSeconds: 1.5 } }, /ttlSeconds/],
    ["an empty host id", { type: "etcd", endpoints: ENDPOINTS, lease: { ttlSeconds: 5, hostId: "" } }, /hostId/],
    ["a negative timeout", { type: "etcd", endpoints: ENDPOINTS, requestTimeoutMs: -1 }, /requestTimeoutMs/],
    [
      "a password given twice",
      { type: "etcd", endpoints: ENDPOINTS, auth: { username: "u", password: SECRET, passwordFile: "/pw" } },
      /exactly one/,
    ],
    [
      "a password that is not a string",
      { type: "etcd", endpoints: ENDPOINTS, auth: { username: "u", password: 42 } },
      /auth\.password/,
    ],
  ];
  for (const [what, input, message] of rejected) {
    it(`config: rejects ${what}, naming the field`, () => {
      expect(() => parseStoreConfig(input)).toThrow(EtcdConfigError);
      expect(() => parseStoreConfig(input)).toThrow(message);
    });
  }

  it("config: never repeats a credential in an error", () => {
    const input = {
      type: "etcd",
      endpoints: ENDPOINTS,
      auth: { username: "u", password: SECRET, passwordFile: "/pw" },
    };
    try {
      parseStoreConfig(input);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(SECRET);
    }
  });

  it("config: defaults to /own6 and the machine's hostname; reads the password file's first line and the PEM files", () => {
    const pw = join(dir, "pw");
    const ca = join(dir, "ca.pem");
    writeFileSync(pw, `${SECRET}\nignored\n`);
    writeFileSync(ca, "CA PEM");
    const settings = settingsOf({
      endpoints: ["https://10.0.0.1:2379"],
      tls: { caFile: ca },
      auth: { username: "own6", passwordFile: pw },
      lease: { ttlSeconds: 9 },
    });
    expect(settings.prefix).toBe("/own6");
    expect(settings.lease).toEqual({ ttlSeconds: 9, hostId: hostname() });
    expect(settings.client.auth).toMatchObject({ username: "own6", password: SECRET });
    expect(settings.client.credentials?.rootCertificate.toString()).toBe("CA PEM");
  });
});

describe("openStore", () => {
  it("config: opens SQLite through the plugin's own opener, with the configured directory", async () => {
    const local = new MemoryLeaseStore() as MemoryLeaseStore & { close(): void };
    local.close = () => undefined;
    const dirs: (string | undefined)[] = [];
    const opener = (d: string | undefined) => {
      dirs.push(d);
      return local;
    };
    expect(await openStore({ type: "sqlite" }, opener)).toBe(local);
    expect(await openStore({ type: "sqlite", dir: "/x" }, opener)).toBe(local);
    expect(dirs).toEqual([undefined, "/x"]);
  });

  it("config: opens etcd for an etcd configuration", async () => {
    const store = await openStore({ type: "etcd", endpoints: ["http://127.0.0.1:9"] }, () => {
      throw new Error("not SQLite");
    });
    expect(store).toBeInstanceOf(EtcdLeaseStore);
    store.close();
  });
});

describe("TLS and authentication, against a secured member", () => {
  let cluster: EtcdCluster;
  const certs = makeCertificates(join(dir, "pki"));
  const tls = { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile };
  const stores: EtcdLeaseStore[] = [];
  beforeAll(async () => {
    cluster = await EtcdCluster.start(1, {
      caFile: certs.caFile,
      certFile: certs.serverCertFile,
      keyFile: certs.serverKeyFile,
    });
    // A root user to enable auth with, and a user own6 that may use /own6-secure only.
    const admin = new Etcd3({
      hosts: cluster.endpoints,
      credentials: {
        rootCertificate: readFileSync(certs.caFile),
        certChain: readFileSync(certs.serverCertFile),
        privateKey: readFileSync(certs.serverKeyFile),
      },
    });
    try {
      await admin.role("root").create();
      await (await admin.user("root").create("root-password")).addRole("root");
      await admin.role("own6").create();
      await admin.role("own6").grant({ permission: "Readwrite", range: Range.prefix("/own6-secure/") });
      await (await admin.user("own6").create(SECRET)).addRole("own6");
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    await cluster?.stop();
  });

  async function open(password: string, prefix = "/own6-secure") {
    const store = await EtcdLeaseStore.open({
      endpoints: cluster.endpoints,
      prefix,
      tls,
      auth: { username: "own6", password },
      retryForMs: 2000,
    });
    stores.push(store);
    return store;
  }

  it("config: a store with the CA, a client certificate and a password reads and writes over TLS", async () => {
    const store = await open(SECRET);
    expect((await store.compareAndSet("k", null, ownerRecord())).ok).toBe(true);
    expect((await store.get("k"))?.value).toEqual(ownerRecord());
  });

  it("config: a wrong password is refused for good (no retries), and the error does not show it", async () => {
    const store = await open("wrong-password");
    const error = await store.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtcdRequestError);
    expect((error as EtcdRequestError).message).not.toContain("wrong-password");
  });

  it("config: a prefix the user may not touch is refused with ETCD_REQUEST_REFUSED", async () => {
    const store = await open(SECRET, "/elsewhere");
    await expect(store.compareAndSet("k", null, ownerRecord())).rejects.toMatchObject({ code: "ETCD_REQUEST_REFUSED" });
  });
});
