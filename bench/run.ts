// Runs every benchmark in bench/ in one process, each as ratios against a baseline measured in
// the same run, and prints their tables. The machines are shared and noisy: read the ratios,
// not the absolute rates.
import { run as alloc } from "./alloc.bench.js";
import { run as cni } from "./cni.bench.js";
import { run as docker } from "./docker.bench.js";
import { run as etcd } from "./etcd.bench.js";
import { run as iid } from "./iid.bench.js";
import { run as netlink } from "./netlink.bench.js";

const suites: [string, () => Promise<unknown>][] = [
  ["interface identifiers", iid],
  ["allocation", alloc],
  ["containers to a verified, reachable address (namespace lab)", netlink],
  ["CNI plugins against the reference plugins, invoked alike (namespace lab)", cni],
  ["allocation through etcd, SQLite and memory (three-member etcd on loopback)", etcd],
  ["docker run to a reachable address: own6 against docker's macvlan with a static --ip6 (dockerd lab)", docker],
];

for (const [name, suite] of suites) {
  console.log(`\n== ${name}`);
  await suite();
}
