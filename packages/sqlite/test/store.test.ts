import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leaseStoreContract } from "@own6/testing";
import { afterAll, expect, it } from "vitest";
import { SqliteLeaseStore } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "own6-sqlite-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

leaseStoreContract("SqliteLeaseStore", () => SqliteLeaseStore.openIn(join(dir, `s${n++}`)));

it("keeps its directory 0700 and its database 0600", () => {
  const at = join(dir, "perm");
  SqliteLeaseStore.openIn(at).close();
  expect(statSync(at).mode & 0o777).toBe(0o700);
  expect(statSync(join(at, "leases.db")).mode & 0o777).toBe(0o600);
});

it("keeps records across a reopen", async () => {
  const at = join(dir, "reopen");
  const first = SqliteLeaseStore.openIn(at);
  const r = await first.compareAndSet("k", null, {
    kind: "owner",
    owner: "o",
    prefix: "2001:db8::/64",
    address: null,
    dadCounters: [],
  });
  first.close();
  const second = SqliteLeaseStore.openIn(at);
  expect((await second.get("k"))?.version).toBe(r.ok ? r.version : -1);
  const next = await second.compareAndSet("k", null, {
    kind: "owner",
    owner: "o",
    prefix: "2001:db8::/64",
    address: null,
    dadCounters: [],
  });
  expect(next.ok).toBe(false);
  second.close();
});
