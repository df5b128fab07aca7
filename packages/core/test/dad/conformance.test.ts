import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// docs/dad.md maps each RFC requirement to the test that checks it. This keeps the map honest:
// every row names at least one test, and every named test exists, verbatim, in the named file.

const root = new URL("../../../../", import.meta.url);
const doc = readFileSync(new URL("docs/dad.md", root), "utf8");
const section = doc.slice(doc.indexOf("## Conformance"));
const rows = section.split("\n").filter((line) => /^\| (4862|4861|4429|7527|7217|Linux)/.test(line));
const LINK = /\[`([^`]+)`\]\(\.\.\/([^)]+)\)/g;
const refs = rows.flatMap((row) => [...row.matchAll(LINK)].map(([, name, file]) => ({ row, name, file })));
const ours = refs.filter((r) => !r.file?.includes("/alloc/"));
const allocator = refs.filter((r) => r.file?.includes("/alloc/"));
// The allocator's tests are written alongside; check them once their file is there.
const allocatorReady = allocator.every(({ file = "" }) => existsSync(new URL(file, root)));

function declares(file: string, name: string): boolean {
  const text = readFileSync(new URL(file, root), "utf8");
  return text.includes(JSON.stringify(name)) || text.includes(`'${name}'`) || text.includes(`\`${name}\``);
}

describe("docs/dad.md conformance table", () => {
  it("every row names a test", () => {
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) expect([...row.matchAll(LINK)].length, row).toBeGreaterThan(0);
  });

  it("every DAD test it names exists in the named file", () => {
    expect(ours.length).toBeGreaterThan(30);
    for (const { name = "", file = "" } of ours) expect(declares(file, name), `${file}: ${name}`).toBe(true);
  });

  it.skipIf(!allocatorReady)("every allocator test it names exists", () => {
    for (const { name = "", file = "" } of allocator) expect(declares(file, name), `${file}: ${name}`).toBe(true);
  });
});
