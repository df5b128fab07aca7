import { randomBytes } from "node:crypto";
import { mapPool, rfc7217Iid } from "@own6/core";
import { type Attached, type AttachMode, ContainerNetwork, Lab, waitForPrefixes } from "@own6/netlink";
import type { DemoResult, DemoRow, Progress } from "./result.js";

const NETWORK_ID = "demo";
const DAD = { dadTransmits: 1, retransTimeMs: 100, routerSolicitationDelay: 0, optimistic: false };

/**
 * The real thing, in network namespaces: radvd advertises a prefix, own6 learns it, gives `n`
 * containers their own DAD-proven addresses (a squatter holds the second container's first
 * choice, so DAD has something to find), starts an HTTP server on port 80 in each, fetches every
 * one from a client beyond the router, and tears it all down. Needs root.
 */
export async function runLabDemo(n: number, mode: AttachMode, progress: Progress): Promise<DemoResult> {
  const started = Date.now();
  const lab = await Lab.create({ squatter: true });
  const stop = () => void lab.close().finally(() => process.exit(130));
  process.once("SIGINT", stop);
  let network: ContainerNetwork | undefined;
  try {
    progress("learning the prefix from radvd", 0, 1);
    const [learned] = await waitForPrefixes(lab.host, lab.uplink, 30_000);
    if (!learned) throw new Error("the lab's router advertised no prefix");
    const prefix = learned.prefix;
    const secret = new Uint8Array(randomBytes(32));
    network = await ContainerNetwork.open({
      host: lab.hostUplink,
      mode,
      prefixes: [prefix],
      secret,
      dad: DAD,
      networkId: NETWORK_ID,
      scratchNetns: `${lab.tag}-dad`,
    });
    const names = await mapPool(Array.from({ length: n }), 8, () => lab.containerNetns());
    if (names[1])
      await lab.squat(rfc7217Iid({ prefix, secret, owner: names[1], ifname: "eth0", networkId: NETWORK_ID }).address);
    let attachedCount = 0;
    const attached = await mapPool(names, 16, async (netns): Promise<Attached> => {
      const a = await (network as ContainerNetwork).attach({ netns, ifname: "eth0" }, netns);
      progress("bringing up containers", ++attachedCount, n);
      return a;
    });
    let served = 0;
    await mapPool(attached, 8, async (a) => {
      await lab.serve(a.container.netns, a.lease.address);
      progress("starting HTTP servers on port 80", ++served, n);
    });
    progress("fetching every container from ext", 0, n);
    const seen = await lab.fetchFromExt(attached.map((a) => a.lease.address));
    const rows = attached.map((a, i): DemoRow => {
      const echo = seen[i];
      return {
        name: a.container.netns.slice(lab.tag.length + 1),
        address: a.lease.address.toString(),
        algorithm: a.lease.algorithm,
        dadCounter: a.lease.dadCounter,
        dadMs: a.elapsedMs,
        clientSeen: echo?.ok ? echo.client : undefined,
        localSeen: echo?.ok ? echo.local : undefined,
      };
    });
    progress("tearing down", 0, n);
    await mapPool(attached, 16, (a) => (network as ContainerNetwork).detach(a.container, a.container.netns));
    const client = lab.extAddress.toString();
    return {
      prefix: prefix.toString(),
      mode,
      containers: n,
      unique: new Set(rows.map((r) => r.address)).size,
      reachable: rows.filter((r) => r.clientSeen !== undefined).length,
      natFree: rows.filter((r) => r.clientSeen === client && r.localSeen === r.address).length,
      client,
      conflicts: rows.filter((r) => r.dadCounter > 0).length,
      seconds: (Date.now() - started) / 1000,
      rows,
    };
  } finally {
    process.off("SIGINT", stop);
    network?.close();
    await lab.close();
  }
}
