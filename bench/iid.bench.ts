import { _SHA1 } from "@noble/hashes/legacy.js";
import { _SHA256 } from "@noble/hashes/sha2.js";
import { createRfc7217, linuxIid, Prefix, rfc7217Message, systemdIid } from "@own6/core";
import siphash24 from "siphash24";
import { type Case, opsPerSecond, printTable, rate } from "./lib/measure.js";

// IIDs per second for each algorithm, next to the raw throughput of the primitive it is built
// on, in the same run: one SHA-256 compression (rfc7217), one SHA-1 compression (linux), one
// SipHash-2-4 of the same message (systemd). The ratio says how close each generator comes to
// its hash; for rfc7217 HMAC needs at least two compressions per identifier (inner and outer,
// with the keyed pads precomputed), so the per-compression efficiency is printed as well.

const BATCH = 1000;
const prefix = Prefix.parse("2001:db8:1::/64");
const secret = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
// Docker's container IDs are 64 hex digits (three SHA-256 compressions per identifier); short
// owners such as pod names fit the message in one block (two compressions).
const dockerOwners = Array.from({ length: BATCH }, (_, i) => i.toString(16).padStart(64, "0"));
const shortOwners = Array.from({ length: BATCH }, (_, i) => `web-${i}`);

class Sha256Compression extends _SHA256 {
  compress(view: DataView): void {
    this.process(view, 0);
  }
}
class Sha1Compression extends _SHA1 {
  compress(view: DataView): void {
    this.process(view, 0);
  }
}

function rfc7217Cases(owners: readonly string[], label: string): { cases: Case[]; compressionsPerIid: number } {
  const generate = createRfc7217(secret);
  const messageLength = rfc7217Message({ prefix, owner: owners[0] ?? "", ifname: "eth0", networkId: "net" }, 0).length;
  const sha = new Sha256Compression();
  const block = new DataView(new ArrayBuffer(64));
  return {
    compressionsPerIid: Math.ceil((messageLength + 9) / 64) + 1,
    cases: [
      {
        name: `rfc7217 IID, ${label}`,
        batch: owners.length,
        run: () => {
          for (const owner of owners) generate({ prefix, owner, ifname: "eth0", networkId: "net" });
        },
      },
      { name: "SHA-256 compression", batch: BATCH, run: () => repeat(() => sha.compress(block)) },
    ],
  };
}

function repeat(fn: () => void): void {
  for (let i = 0; i < BATCH; i++) fn();
}

function linuxCases(): Case[] {
  const sha = new Sha1Compression();
  const block = new DataView(new ArrayBuffer(64));
  return [
    { name: "linux IID", batch: BATCH, run: () => repeat(() => linuxIid({ prefix, secret })) },
    { name: "SHA-1 compression", batch: BATCH, run: () => repeat(() => sha.compress(block)) },
  ];
}

function systemdCases(): Case[] {
  const message = new Uint8Array(8 + 6 + 6 + 1);
  return [
    { name: "systemd IID", batch: BATCH, run: () => repeat(() => systemdIid({ prefix, secret, ifname: "eth0.10" })) },
    { name: "SipHash-2-4", batch: BATCH, run: () => repeat(() => siphash24(message, secret)) },
  ];
}

/** Runs the IID benchmark and returns its rows (also printed). */
export async function run(): Promise<Record<string, string | number>[]> {
  const docker = rfc7217Cases(dockerOwners, "64-hex owner");
  const short = rfc7217Cases(shortOwners, "short owner");
  const pairs: [Case[], number][] = [
    [docker.cases, docker.compressionsPerIid],
    [short.cases, short.compressionsPerIid],
    [linuxCases(), 1],
    [systemdCases(), 1],
  ];
  const rows: Record<string, string | number>[] = [];
  for (const [cases, hashesPerIid] of pairs) {
    const ops = await opsPerSecond(cases);
    const [ours, base] = cases.map((c) => ops.get(c.name) ?? 0);
    rows.push({
      algorithm: cases[0]?.name ?? "",
      "IIDs/s": rate(ours ?? 0),
      baseline: cases[1]?.name ?? "",
      "baseline/s": rate(base ?? 0),
      "ratio IID:hash": ((ours ?? 0) / (base ?? 1)).toFixed(3),
      "hashes/IID": hashesPerIid,
      efficiency: (((ours ?? 0) * hashesPerIid) / (base ?? 1)).toFixed(3),
    });
  }
  printTable(rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
