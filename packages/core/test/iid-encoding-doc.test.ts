import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Prefix, parseSecret, rfc7217Iid, rfc7217Message } from "../src/index.js";

// docs/iid-encoding.md promises that its vectors are checked: this reads its table, recomputes
// each row with own6, and recomputes the HMAC with Python, independently of own6.
const doc = readFileSync(new URL("../../../docs/iid-encoding.md", import.meta.url), "utf8");
const rows = doc
  .split("\n")
  .filter((line) => /^\|\s*[0-9a-f:]+\/\d+\s*\|/.test(line))
  .map((line) =>
    line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll("`", "")),
  );

describe("docs/iid-encoding.md test vectors", () => {
  it("has vectors", () => {
    expect(rows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(rows)("%s owner %s", (prefix, secret, owner, ifname, networkId, dad, message, address) => {
    const input = {
      prefix: Prefix.parse(prefix ?? ""),
      owner: owner ?? "",
      ifname: ifname ?? "",
      networkId: networkId ?? "",
    };
    const counter = Number(dad);
    expect(Buffer.from(rfc7217Message(input, counter)).toString("hex")).toBe(message);
    const r = rfc7217Iid({ ...input, secret: parseSecret(secret ?? ""), dadCounter: counter, maxDadCounter: counter });
    expect(r.address.toString()).toBe(address);
    const python = `import hmac,hashlib,sys; print(hmac.new(bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), hashlib.sha256).hexdigest())`;
    const mac = execFileSync("python3", ["-c", python, secret ?? "", message ?? ""], { encoding: "utf8" }).trim();
    const hostBytes = Prefix.parse(prefix ?? "").hostBits / 8;
    expect(
      Buffer.from(r.iid)
        .toString("hex")
        .slice(16 - 2 * hostBytes),
    ).toBe(mac.slice(64 - 2 * hostBytes));
  });
});
