import type { Address } from "@own6/core";
import type { KernelDadTarget } from "../dad/kernel.js";
import { ipBatch } from "../ip.js";
import { addMacvlan, deleteLink } from "../links.js";
import { checkIfname, checkNetns } from "../names.js";
import { replaceRoute } from "../routes.js";
import { type DadSysctls, dadSysctls, setSysctls } from "../sysctl.js";
import { type HostUplink, uplinkGateway } from "./host.js";

/** A container's end of the attachment: its namespace and the interface name inside it. */
export interface ContainerLink {
  readonly netns: string;
  readonly ifname: string;
}

/**
 * Creates the container's interface as a macvlan (bridge mode) on the host's uplink, straight
 * into the container's namespace, with the kernel's DAD set up as `dad` says. The container then
 * sits on the host's segment itself, so its own kernel runs DAD there: the returned target is the
 * container's link, and a unique address stays on it. With `gateway` (the router's link-local
 * address, see {@link uplinkGateway}) the default route is set at once, so an optimistic address
 * is usable the moment it is on the link.
 *
 * @example
 * ```ts
 * const target = await createMacvlan({ ns: undefined, uplink: "eth0" }, { netns: "c1", ifname: "eth0" }, dad, 64);
 * const outcome = await kernelDadCheck(target, dad, monitor)(address);
 * ```
 */
export async function createMacvlan(
  host: HostUplink,
  container: ContainerLink,
  dad: DadSysctls,
  prefixLength: number,
  gateway?: Address,
): Promise<KernelDadTarget> {
  const ns = checkNetns(container.netns);
  const ifname = checkIfname(container.ifname);
  await addMacvlan(host.ns, host.uplink, ns, ifname);
  // own6 assigns the address; the container still listens to RAs for routes, but makes no
  // SLAAC address of its own.
  const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  await setSysctls(ns, [...dadSysctls(ifname, dad), conf("autoconf", 0), conf("accept_ra", 1)]);
  const route = gateway ? [["route", "replace", "default", "via", gateway.toString(), "dev", ifname]] : [];
  await ipBatch(ns, [["link", "set", ifname, "up"], ...route], `bring ${ifname} up in ${ns}`);
  return { ns, ifname, prefixLength, keep: true };
}

/**
 * Points the container's default route at the router the host uses on the uplink, so that it
 * can answer at once instead of waiting for the next Router Advertisement.
 *
 * @example
 * ```ts
 * await routeMacvlan(host, container);
 * ```
 */
export async function routeMacvlan(host: HostUplink, container: ContainerLink): Promise<Address | undefined> {
  const gateway = await uplinkGateway(host);
  if (gateway) await replaceRoute(container.netns, "default", container.ifname, gateway);
  return gateway;
}

/**
 * Removes the container's macvlan (deleting its namespace does the same).
 *
 * @example
 * ```ts
 * await deleteMacvlan(container);
 * ```
 */
export async function deleteMacvlan(container: ContainerLink): Promise<void> {
  await deleteLink(checkNetns(container.netns), container.ifname);
}
