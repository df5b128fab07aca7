import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Address } from "../src/index.js";
import { fc } from "./support/fc.js";

// Differential test: CPython's ipaddress module is an independent RFC 4291 / RFC 5952
// implementation. Both must accept and reject the same text and print the same canonical form.
const PYTHON = `
import ipaddress, json, sys
out = []
for line in sys.stdin.read().split("\\n")[:-1]:
    try:
        out.append(str(ipaddress.IPv6Address(line)))
    except ValueError:
        out.append(None)
print(json.dumps(out))
`;

function python(inputs: string[]): (string | null)[] {
  const stdout = execFileSync("python3", ["-c", PYTHON], { input: `${inputs.join("\n")}\n`, encoding: "utf8" });
  return JSON.parse(stdout);
}

function ours(text: string): string | null {
  try {
    return Address.parse(text).toString();
  } catch {
    return null;
  }
}

// Hand-picked edge cases after Go's netip fuzz corpus and CPython's test_ipaddress.
const CORPUS = [
  "::",
  "::1",
  "1::",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4::5:6:7:8",
  "1:2:3:4:5:6:7:8::",
  "::1:2:3:4:5:6:7:8",
  "fe801::1",
  "::ffff:1.2.3.4",
  "::ffff:01.2.3.4",
  "::ffff:1.2.3",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "::1.2.3.4",
  "::8:7:6:5:4:3:2:1",
  "8:7:6:5:4:3:2:1::",
  "fe80::1%eth0",
  "fe80::1%",
  "::1%scope%",
  "2001:db8::%25eth0",
  "00000::1",
  "0000::1",
  "1:::2",
  ":1::2",
  "1::2:",
  "g::1",
  "2001:DB8::A",
  "::ffff:255.255.255.255",
  "FFFF::255.255.255.255",
];

// CPython 3.11 prints IPv4-mapped addresses in hex, where RFC 5952 §5 recommends (and own6
// prints) mixed notation; those are compared by value only.
function comparable(text: string | null): string | null {
  if (text === null) return null;
  return Address.parse(text).kind === "ipv4Mapped" ? Address.parse(text).toBytes().join(".") : text;
}

describe("Address against CPython ipaddress", () => {
  it("agrees on the edge-case corpus", () => {
    const theirs = python(CORPUS);
    CORPUS.forEach((input, i) => {
      expect([input, comparable(ours(input))]).toEqual([input, comparable(theirs[i] ?? null)]);
    });
  });

  it("agrees on generated addresses", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    });
    const inputs = fc
      .sample(groups, 2000)
      .map((g) => g.map((n) => n.toString(16)).join(":"))
      .concat(fc.sample(fc.ipV6(), 2000));
    const theirs = python(inputs);
    inputs.forEach((input, i) => {
      expect([input, comparable(ours(input))]).toEqual([input, comparable(theirs[i] ?? null)]);
    });
  });
});
