import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { SqliteDocuments } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "own6-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("stores, replaces, lists by prefix and deletes documents", () => {
  const docs = SqliteDocuments.open(join(dir, "a", "state.db"));
  docs.put("pool/1", { prefix: "2001:db8:1::/64" });
  docs.put("pool/2", { prefix: "2001:db8:2::/64" });
  docs.put("network/x", { mode: "routed" });
  docs.put("pool/1", { prefix: "2001:db8:9::/64" });
  expect(docs.get("pool/1")).toEqual({ prefix: "2001:db8:9::/64" });
  expect(docs.list("pool/").map((d) => d.key)).toEqual(["pool/1", "pool/2"]);
  expect(docs.list()).toHaveLength(3);
  expect(docs.delete("pool/1")).toBe(true);
  expect(docs.delete("pool/1")).toBe(false);
  expect(docs.get("pool/1")).toBeUndefined();
  docs.close();
});

it("keeps documents across a reopen, in a 0700 directory and a 0600 file", () => {
  const path = join(dir, "b", "state.db");
  const first = SqliteDocuments.open(path);
  first.put("endpoint/e", { links: ["o6m123"] });
  first.close();
  const second = SqliteDocuments.open(path);
  expect(second.get("endpoint/e")).toEqual({ links: ["o6m123"] });
  second.close();
  expect(statSync(join(dir, "b")).mode & 0o777).toBe(0o700);
  expect(statSync(path).mode & 0o777).toBe(0o600);
});
