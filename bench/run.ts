// Runs every benchmark in bench/ in one process (or only those named: `pnpm bench cni iid`), each
// as ratios against a baseline measured in the same run, and prints their tables. The machines
// are shared and noisy: read the ratios, not the absolute rates.
import { run as alloc } from "./alloc.bench.js";
import { run as cni } from "./cni.bench.js";
import { run as docker } from "./docker.bench.js";
import { run as etcd } from "./etcd.bench.js";
import { run as iid } from "./iid.bench.js";
import { run as netlink } from "./netlink.bench.js";

const suites: [string, string, () => Promise<unknown>][] = [
  ["iid", "interface identifiers", iid],
  ["alloc", "allocation", alloc],
  ["netlink", "containers to a verified, reachable address (namespace lab)", netlink],
  ["cni", "CNI plugins against the reference plugins, invoked alike (namespace lab)", cni],
  ["etcd", "allocation through etcd, SQLite and memory (three-member etcd on loopback)", etcd],
  [
    "docker",
    "docker run to a reachable address: own6 against docker's macvlan with a static --ip6 (dockerd lab)",
    docker,
  ],
];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((key) => !suites.some(([k]) => k === key));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${suites.map(([k]) => k).join(", ")}`);
  process.exit(2);
}
for (const [key, name, suite] of suites) {
  if (chosen.length > 0 && !chosen.includes(key)) continue;
  console.log(`\n== ${name}`);
  await suite();
}
