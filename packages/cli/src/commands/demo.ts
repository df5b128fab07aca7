import { randomBytes } from "node:crypto";
import { createRfc7217, Prefix } from "@own6/core";
import { nonNegativeInteger, parseOptions } from "../args.js";
import type { Io } from "../io.js";

export const DEMO_HELP = `Usage: own6 demo [--containers N] [--prefix P] [--json]

Shows the addresses N containers get in prefix P with own6's default algorithm (RFC 7217,
HMAC-SHA-256 keyed with a fresh random secret), and checks that they are unique.

  --containers N   how many containers (default 8, at most 100000)
  --prefix P       the prefix (default 2001:db8:1::/64, a documentation prefix)
  --json           end with one JSON summary line
`;

const OPTIONS = {
  containers: { type: "string" },
  prefix: { type: "string", default: "2001:db8:1::/64" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

/** `own6 demo`: the addresses a set of containers would get, and a uniqueness check. */
export function demoCommand(argv: string[], io: Io): number {
  const values = parseOptions(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(DEMO_HELP);
    return 0;
  }
  const count = Math.min(nonNegativeInteger(values.containers, "--containers", 8), 100_000);
  const prefix = Prefix.parse(values.prefix).assertHostable();
  const generate = createRfc7217(new Uint8Array(randomBytes(16)));
  const rows = Array.from({ length: count }, (_, i) => {
    const owner = `container-${String(i + 1).padStart(3, "0")}`;
    return { owner, ...generate({ prefix, owner, ifname: "eth0", networkId: "demo" }) };
  });
  const unique = new Set(rows.map((r) => r.address.toString())).size;
  io.stdout.write(`prefix ${prefix}, algorithm rfc7217, ${count} containers\n`);
  for (const row of rows.slice(0, 50)) {
    io.stdout.write(`${row.owner.padEnd(16)} ${row.address.toString().padEnd(40)} dad-counter ${row.dadCounter}\n`);
  }
  if (rows.length > 50) io.stdout.write(`... and ${rows.length - 50} more\n`);
  io.stdout.write(`${unique} of ${count} addresses unique, all inside ${prefix}\n`);
  if (values.json) {
    const inside = rows.every((r) => prefix.contains(r.address));
    io.stdout.write(`${JSON.stringify({ prefix, algorithm: "rfc7217", containers: count, unique, inside })}\n`);
  }
  return unique === count ? 0 : 1;
}
