import type { DadCheck } from "@own6/core";
import {
  AddressMonitor,
  addMacvlan,
  addNetns,
  dadSysctls,
  getLink,
  kernelDadCheck,
  NetlinkError,
  PROBE_IFNAME,
  setLinkUp,
  setSysctls,
} from "@own6/netlink";
import type { DadConfig } from "../config/address.js";

/**
 * Where DAD runs, ready to check candidates, and what to stop afterwards.
 *
 * @example
 * ```ts
 * const probe = await containerLinkProbe(netns, "eth0", 64, dad, false);
 * try { await probe.check(address); } finally { probe.close(); }
 * ```
 */
export interface Probe {
  readonly check: DadCheck;
  /** Where the probe runs, for logs. */
  readonly where: string;
  close(): void;
}

/**
 * No probe: uniqueness rests on the store alone (DAD switched off, or no link to probe on).
 *
 * @example
 * ```ts
 * const probe = storeOnly("dad.enabled is false");
 * ```
 */
export function storeOnly(why: string): Probe {
  return { check: async () => ({ status: "unique" }), where: `nowhere (${why})`, close: () => {} };
}

/**
 * The kernel's DAD on a container's link, for an IPAM plugin: the link gets own6's DAD settings
 * (kept, so the main plugin's own DAD afterwards is as quick), IPv6 enabled and brought up (the
 * reference main plugins create it down); each candidate is added without `nodad`, the verdict
 * read, and the address removed again (the main plugin adds it itself and fails on one already
 * present).
 *
 * Once up, the link would solicit Router Advertisements. SLAAC is switched off (own6 owns the
 * addressing), and with `routesFromResult` so are RAs: a default route learned from the router
 * before the main plugin adds the result's route makes that add fail with "file exists".
 *
 * @example
 * ```ts
 * const probe = await containerLinkProbe("/run/netns/c1", "eth0", 64, dad, true);
 * ```
 */
export async function containerLinkProbe(
  netns: string,
  ifname: string,
  prefixLength: number,
  dad: DadConfig,
  routesFromResult: boolean,
): Promise<Probe> {
  const monitor = AddressMonitor.start(netns);
  try {
    const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
    const ra = [conf("autoconf", 0), conf("accept_ra", routesFromResult ? 0 : 1)];
    await setSysctls(netns, [conf("disable_ipv6", 0), ...ra, ...dadSysctls(ifname, dad)]);
    await setLinkUp(netns, ifname);
  } catch (e) {
    monitor.close();
    throw e;
  }
  return {
    check: kernelDadCheck({ ns: netns, ifname, prefixLength, keep: false }, dad, monitor),
    where: `${ifname} in ${netns}`,
    close: () => monitor.close(),
  };
}

/**
 * The kernel's DAD from a scratch macvlan on `uplink`, in its own namespace, for addresses
 * whose link does not exist yet (ptp creates its veth after IPAM) or never sits on the segment
 * (routed containers, reachable by proxy NDP). The scratch link keeps no address. Preparing it
 * is idempotent and tolerates a concurrent plugin process doing the same.
 *
 * @example
 * ```ts
 * const probe = await uplinkProbe("eth0", dad);
 * ```
 */
export async function uplinkProbe(uplink: string, dad: DadConfig): Promise<Probe> {
  const ns = dad.probeNetns ?? `own6-dad-${uplink.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  // Up means prepared: the link is brought up last. One look saves four commands per ADD.
  if (!(await getLink(ns, PROBE_IFNAME).catch(() => undefined))?.up) {
    try {
      await prepareScratch(uplink, ns, dad);
    } catch {
      // Another process may have been half-way through creating it: one more pass settles it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await prepareScratch(uplink, ns, dad);
    }
  }
  const monitor = AddressMonitor.start(ns);
  return {
    check: kernelDadCheck({ ns, ifname: PROBE_IFNAME, prefixLength: 128, keep: false }, dad, monitor),
    where: `${PROBE_IFNAME} on ${uplink} in ${ns}`,
    close: () => monitor.close(),
  };
}

async function prepareScratch(uplink: string, ns: string, dad: DadConfig): Promise<void> {
  await addNetns(ns).catch(ignoreExists);
  await addMacvlan(undefined, uplink, ns, PROBE_IFNAME).catch(ignoreExists);
  const quiet = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", PROBE_IFNAME, name], value });
  await setSysctls(ns, [...dadSysctls(PROBE_IFNAME, dad), quiet("autoconf", 0), quiet("accept_ra", 0)]);
  await setLinkUp(ns, PROBE_IFNAME);
}

function ignoreExists(e: unknown): void {
  if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
}

/**
 * A probe opened on first use: an ADD that finds its lease already there (a repeated ADD) never
 * touches a link.
 *
 * @example
 * ```ts
 * const lazy = lazyProbe(() => uplinkProbe("eth0", dad));
 * try { await allocator.allocate(owner); } finally { lazy.close(); }
 * ```
 */
export function lazyProbe(open: () => Promise<Probe>): Probe {
  let probe: Probe | undefined;
  let opening: Promise<Probe> | undefined;
  return {
    check: async (address, context) => {
      opening ??= open().then((p) => {
        probe = p;
        return p;
      });
      return (await opening).check(address, context);
    },
    get where() {
      return probe?.where ?? "not opened";
    },
    close: () => probe?.close(),
  };
}
