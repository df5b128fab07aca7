import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { loadOrCreateSecret, SecretFileError, SqliteLeaseStore } from "../src/index.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "own6-sqlite-proc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const worker = (...args: string[]) =>
  run(process.execPath, [
    "--conditions=@own6/source",
    "--import",
    "tsx",
    join(import.meta.dirname, "worker.ts"),
    ...args,
  ]);

describe("across processes", () => {
  it("of 8 processes that read one version, exactly one wins the compare-and-set", async () => {
    const at = join(dir, "race");
    const store = SqliteLeaseStore.openIn(at);
    const start = await store.compareAndSet("k", null, {
      kind: "owner",
      owner: "o",
      prefix: "2001:db8::/64",
      address: null,
      dadCounters: [],
    });
    const version = start.ok ? start.version : 0;
    const outs = await Promise.all(Array.from({ length: 8 }, () => worker("cas", at, String(version))));
    const wins = outs.filter((o) => JSON.parse(o.stdout).ok).length;
    expect(wins).toBe(1);
    expect((await store.get("k"))?.value).toMatchObject({ owner: expect.stringMatching(/^pid-/) });
    store.close();
  });

  it("8 processes creating the secret at once all read the same one, stored 0600", async () => {
    const path = join(dir, "state", "secret");
    const outs = await Promise.all(Array.from({ length: 8 }, () => worker("secret", path)));
    const secrets = new Set(outs.map((o) => o.stdout));
    expect(secrets.size).toBe(1);
    expect([...secrets][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, "utf8").trim()).toBe([...secrets][0]);
  });

  it("rejects a malformed secret file instead of replacing it", () => {
    const path = join(dir, "bad-secret");
    loadOrCreateSecret(path);
    writeFileSync(path, "not hex\n");
    expect(() => loadOrCreateSecret(path)).toThrow(SecretFileError);
  });
});
