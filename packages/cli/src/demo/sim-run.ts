import { randomBytes } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Allocator, createDadCheck, type Lease, Prefix, rfc7217Iid } from "@own6/core";
import { SimLink } from "@own6/core/sim";
import type { DemoResult, DemoRow, Progress } from "./result.js";

const NETWORK_ID = "demo";

/** Steps the virtual clock whenever the allocations have nothing else to do, until `work` settles. */
async function drive<T>(link: SimLink, work: Promise<T>): Promise<T> {
  let finished = false;
  const settled = work.finally(() => {
    finished = true;
  });
  while (!finished) {
    await nextTurn();
    link.clock.step();
  }
  return settled;
}

/**
 * The same flow without root, on the core's simulated link: every container is a node running
 * the real DAD state machine, a squatter holds the second container's first choice, and the
 * allocator proves each address unique before handing it out. Time is virtual; nothing is served.
 */
export async function runSimDemo(n: number, progress: Progress): Promise<DemoResult> {
  const started = Date.now();
  const prefix = Prefix.parse("2001:db8:1::/64");
  const secret = new Uint8Array(randomBytes(32));
  const link = new SimLink({ seed: 1 });
  const names = Array.from({ length: n }, (_, i) => `c${i + 1}`);
  if (names[1]) {
    const first = rfc7217Iid({ prefix, secret, owner: names[1], ifname: "eth0", networkId: NETWORK_ID });
    link.addNode("squatter").squat(first.address);
  }
  const host = link.addNode("host");
  const check = createDadCheck({ probe: () => host.probe(), clock: link.clock, random: host.random.asRandomBytes() });
  const allocator = await Allocator.open({
    prefixes: [prefix],
    secret,
    dad: check,
    now: () => link.clock.now(),
    networkId: NETWORK_ID,
  });
  let done = 0;
  const one = async (name: string): Promise<[Lease, number]> => {
    const t = link.clock.now();
    const lease = await allocator.allocate(`${name}/eth0`);
    progress("bringing up containers (simulated link)", ++done, n);
    return [lease, link.clock.now() - t];
  };
  const leases = await drive(link, Promise.all(names.map(one)));
  const rows = leases.map(
    ([lease, ms], i): DemoRow => ({
      name: names[i] ?? "",
      address: lease.address.toString(),
      algorithm: lease.algorithm,
      dadCounter: lease.dadCounter,
      dadMs: ms,
      clientSeen: undefined,
      localSeen: undefined,
    }),
  );
  return {
    prefix: prefix.toString(),
    mode: "simulated",
    containers: n,
    unique: new Set(rows.map((r) => r.address)).size,
    reachable: null,
    natFree: null,
    client: null,
    conflicts: rows.filter((r) => r.dadCounter > 0).length,
    seconds: (Date.now() - started) / 1000,
    rows,
  };
}
