import { _SHA1 } from "@noble/hashes/legacy.js";
import { _SHA256 } from "@noble/hashes/sha2.js";
import { createRfc7217, linuxIid, Prefix, rfc7217Message, systemdIid } from "@own6/core";
import siphash24 from "siphash24";
// The compression is internal to the core package, so the bench reaches it by path; it is the
// same code the generator runs.
import { SHA256_IV, sha256Compress } from "../packages/core/src/iid/sha256.js";
import { type Case, opsPerSecond, printTable, rate } from "./lib/measure.js";

// IIDs per second for each algorithm, next to the raw throughput of the primitive it is built
// on, in the same run: one SHA-256 compression (rfc7217), one SHA-1 compression (linux), one
// SipHash-2-4 of the same message (systemd). The raw hash is the library's (noble, siphash24).
// rfc7217 runs on own6's own SHA-256 compression (iid/sha256.ts), so that is measured too and
// the ratio against it printed beside the ratio against noble's. HMAC needs at least two
// compressions per identifier (inner and outer, with the keyed pads precomputed), so against
// one compression of the same function 0.5 is the ceiling; efficiency is IIDs/s times
// compressions per IID over the rate of the compression the generator actually runs.
//
// The issue's target for rfc7217 is 1,000,000 IIDs/s and "at least 50% of the raw hash's
// throughput". The raw hash of an identifier is the compressions its HMAC needs, at the rate of
// the compression it runs: efficiency >= 0.5 means the hash is at least half of an identifier's
// time (docs/performance.md explains the choice against the other ratios printed).
const TARGET_IIDS = 1e6;
const TARGET_EFFICIENCY = 0.5;

const BATCH = 1000;
const prefix = Prefix.parse("2001:db8:1::/64");
const secret = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
// Docker's container IDs are 64 hex digits (three SHA-256 compressions per identifier); short
// owners such as pod names fit the message in one block (two compressions). Owners reach own6
// parsed from JSON (Docker's plugin API) or read from the environment (CNI), as flat strings, so
// the bench parses them from JSON too: a string built by padStart is a rope, which V8 walks on
// every charCodeAt.
const dockerOwners = fromJson(Array.from({ length: BATCH }, (_, i) => i.toString(16).padStart(64, "0")));
const shortOwners = fromJson(Array.from({ length: BATCH }, (_, i) => `web-${i}`));

function fromJson(owners: string[]): string[] {
  return JSON.parse(JSON.stringify(owners));
}

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

/** One generator, the library primitive it is compared with, and the primitive it runs (if not that one). */
interface Suite {
  readonly iid: Case;
  readonly raw: Case;
  readonly own?: Case;
  readonly hashesPerIid: number;
  /** Whether the rfc7217 target applies. */
  readonly targeted?: boolean;
}

function rfc7217Suite(owners: readonly string[], label: string): Suite {
  const generate = createRfc7217(secret);
  const messageLength = rfc7217Message({ prefix, owner: owners[0] ?? "", ifname: "eth0", networkId: "net" }, 0).length;
  const sha = new Sha256Compression();
  const block = new DataView(new ArrayBuffer(64));
  const words = new Int32Array(16);
  const state = SHA256_IV.slice();
  return {
    targeted: true,
    hashesPerIid: Math.ceil((messageLength + 9) / 64) + 1,
    iid: {
      name: `rfc7217 IID, ${label}`,
      batch: owners.length,
      run: () => {
        for (const owner of owners) generate({ prefix, owner, ifname: "eth0", networkId: "net" });
      },
    },
    raw: { name: "SHA-256 compression (noble)", batch: BATCH, run: () => repeat(() => sha.compress(block)) },
    own: {
      name: "SHA-256 compression (own6)",
      batch: BATCH,
      run: () => repeat(() => sha256Compress(state, state, words, 0)),
    },
  };
}

function repeat(fn: () => void): void {
  for (let i = 0; i < BATCH; i++) fn();
}

function linuxSuite(): Suite {
  const sha = new Sha1Compression();
  const block = new DataView(new ArrayBuffer(64));
  return {
    hashesPerIid: 1,
    iid: { name: "linux IID", batch: BATCH, run: () => repeat(() => linuxIid({ prefix, secret })) },
    raw: { name: "SHA-1 compression (noble)", batch: BATCH, run: () => repeat(() => sha.compress(block)) },
  };
}

function systemdSuite(): Suite {
  const message = new Uint8Array(8 + 6 + 6 + 1);
  return {
    hashesPerIid: 1,
    iid: {
      name: "systemd IID",
      batch: BATCH,
      run: () => repeat(() => systemdIid({ prefix, secret, ifname: "eth0.10" })),
    },
    raw: { name: "SipHash-2-4", batch: BATCH, run: () => repeat(() => siphash24(message, secret)) },
  };
}

async function measure(suite: Suite): Promise<Record<string, string | number>> {
  const ops = await opsPerSecond([suite.iid, suite.raw, ...(suite.own ? [suite.own] : [])]);
  const iids = ops.get(suite.iid.name) ?? 0;
  const raw = ops.get(suite.raw.name) ?? 1;
  // linux and systemd run the library primitive itself.
  const own = suite.own ? (ops.get(suite.own.name) ?? 1) : raw;
  const efficiency = (iids * suite.hashesPerIid) / own;
  return {
    algorithm: suite.iid.name,
    "IIDs/s": rate(iids),
    "raw hash": suite.raw.name,
    "raw/s": rate(raw),
    "ratio IID:raw": (iids / raw).toFixed(3),
    "hash own6 runs": suite.own?.name ?? "the raw hash",
    "own6's/s": rate(own),
    "ratio IID:own6's": (iids / own).toFixed(3),
    "hashes/IID": suite.hashesPerIid,
    efficiency: efficiency.toFixed(3),
    target: suite.targeted ? verdict(iids, efficiency) : "-",
  };
}

function verdict(iids: number, efficiency: number): string {
  const met = iids >= TARGET_IIDS && efficiency >= TARGET_EFFICIENCY;
  return `>= 1 M/s, efficiency >= ${TARGET_EFFICIENCY}: ${met ? "met" : "MISSED"}`;
}

/** Runs the IID benchmark and returns its rows (also printed). */
export async function run(): Promise<Record<string, string | number>[]> {
  const suites = [
    rfc7217Suite(dockerOwners, "64-hex owner"),
    rfc7217Suite(shortOwners, "short owner"),
    linuxSuite(),
    systemdSuite(),
  ];
  const rows: Record<string, string | number>[] = [];
  for (const suite of suites) rows.push(await measure(suite));
  printTable(rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
