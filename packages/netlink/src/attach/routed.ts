import { createHash } from "node:crypto";
import { Address } from "@own6/core";
import type { KernelDadTarget } from "../dad/kernel.js";
import { ipBatch } from "../ip.js";
import { addMacvlan, addVeth, deleteLink, getLink, setLinkUp } from "../links.js";
import { checkIfname, checkNetns } from "../names.js";
import { addNetns, listNetns } from "../netns.js";
import { deleteProxyNeighbor } from "../routes.js";
import { type DadSysctls, dadSysctls, setSysctls } from "../sysctl.js";
import type { HostUplink } from "./host.js";
import type { ContainerLink } from "./macvlan.js";

/** The host end's address: every routed container uses it as its gateway. */
export const ROUTED_GATEWAY = Address.parse("fe80::1");

/** The name of the scratch link DAD probes from in routed mode. */
export const PROBE_IFNAME = "own6probe";

/**
 * The host-side veth name for a container: `o6` and 10 hex digits of a hash of its namespace and
 * interface, so it fits Linux's 15 characters and is the same at attach and at detach.
 *
 * @example
 * ```ts
 * hostVethName({ netns: "c1", ifname: "eth0" }); // "o6" + 10 hex digits
 * ```
 */
export function hostVethName(container: ContainerLink): string {
  const hash = createHash("sha256").update(`${container.netns}/${container.ifname}`).digest("hex");
  return `o6${hash.slice(0, 10)}`;
}

/**
 * Prepares the host for routed containers and returns where DAD runs for them. Routed
 * containers sit behind point-to-point veths where no neighbour could object, so DAD must
 * happen on the uplink's segment: from a scratch macvlan on the uplink in its own namespace
 * (`scratchNetns`), which keeps no address. The host forwards, answers NDP for its containers
 * on the uplink (`proxy_ndp`), and keeps accepting Router Advertisements while forwarding
 * (`accept_ra=2`).
 *
 * @example
 * ```ts
 * const probe = await prepareRoutedHost({ ns: undefined, uplink: "eth0" }, dad, "own6-dad");
 * ```
 */
export async function prepareRoutedHost(
  host: HostUplink,
  dad: DadSysctls,
  scratchNetns: string,
): Promise<KernelDadTarget> {
  const uplink = checkIfname(host.uplink);
  const conf = (ifname: string, name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  // accept_ra=2 first: once forwarding is on, accept_ra=1 would stop the host learning its prefix.
  await setSysctls(host.ns, [conf(uplink, "accept_ra", 2), conf(uplink, "proxy_ndp", 1), conf("all", "forwarding", 1)]);
  const scratch = checkNetns(scratchNetns);
  if (!(await listNetns()).includes(scratch)) await addNetns(scratch);
  if (!(await getLink(scratch, PROBE_IFNAME))) {
    await addMacvlan(host.ns, uplink, scratch, PROBE_IFNAME);
    const probe = (name: string, value: number) => conf(PROBE_IFNAME, name, value);
    await setSysctls(scratch, [...dadSysctls(PROBE_IFNAME, dad), probe("autoconf", 0), probe("accept_ra", 0)]);
    await setLinkUp(scratch, PROBE_IFNAME);
  }
  return { ns: scratch, ifname: PROBE_IFNAME, prefixLength: 128, keep: false };
}

/**
 * Attaches a container by a veth pair and no bridge, with `address` (already proven unique on
 * the uplink's segment): the host end gets fe80::1, a /128 route to the container and a proxy
 * NDP entry on the uplink; the container gets `address`/128 and a default route via fe80::1.
 *
 * @example
 * ```ts
 * await attachRouted(host, { netns: "c1", ifname: "eth0" }, address);
 * ```
 */
export async function attachRouted(host: HostUplink, container: ContainerLink, address: Address): Promise<void> {
  const ns = checkNetns(container.netns);
  const ifname = checkIfname(container.ifname);
  const hostIf = hostVethName(container);
  await addVeth(host.ns, hostIf, ns, ifname);
  const quiet = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  await setSysctls(ns, [quiet("accept_ra", 0), quiet("autoconf", 0)]);
  const a = address.toString();
  await ipBatch(
    host.ns,
    [
      ["addr", "add", "fe80::1/64", "dev", hostIf, "nodad"],
      ["link", "set", hostIf, "up"],
      ["route", "replace", `${a}/128`, "dev", hostIf],
      ["neigh", "replace", "proxy", a, "dev", checkIfname(host.uplink)],
    ],
    `attach ${a} on the host side of ${hostIf}`,
  );
  await ipBatch(
    ns,
    [
      ["addr", "add", `${a}/128`, "dev", ifname, "nodad"],
      ["link", "set", ifname, "up"],
      ["route", "replace", "default", "via", ROUTED_GATEWAY.toString(), "dev", ifname],
    ],
    `attach ${a} inside ${ns}`,
  );
}

/**
 * Removes what {@link attachRouted} created on the host: the veth (its peer and the /128 route go
 * with it) and the proxy NDP entry, which would otherwise outlive the veth.
 *
 * @example
 * ```ts
 * await detachRouted(host, container, address);
 * ```
 */
export async function detachRouted(host: HostUplink, container: ContainerLink, address: Address): Promise<void> {
  await deleteProxyNeighbor(host.ns, host.uplink, address);
  await deleteLink(host.ns, hostVethName(container));
}
