import type { Address } from "@own6/core";
import type { KernelDadTarget } from "../dad/kernel.js";
import { NetlinkError } from "../errors.js";
import { ipBatch } from "../ip.js";
import type { IpBatcher } from "../ip-batcher.js";
import { LinkSetup } from "../link-setup.js";
import { deleteLink, macvlanCommand } from "../links.js";
import { checkIfname, checkNetns, isNetnsPath } from "../names.js";
import { replaceRoute } from "../routes.js";
import { type DadSysctls, dadSysctls, type Sysctl, setSysctls } from "../sysctl.js";
import { type HostUplink, uplinkGateway } from "./host.js";

/** A container's end of the attachment: its namespace and the interface name inside it. */
export interface ContainerLink {
  readonly netns: string;
  readonly ifname: string;
}

/** How {@link createMacvlan} sets up a container's macvlan. */
export interface MacvlanOptions {
  /** The kernel's DAD settings for the link. */
  readonly dad: DadSysctls;
  /** The prefix length addresses get on the link. */
  readonly prefixLength: number;
  /** The router's link-local address ({@link uplinkGateway}): the default route is set at once. */
  readonly gateway?: Address | undefined;
  /**
   * Leave bringing the link up (and its default route) to the target's {@link LinkSetup}, for
   * the first DAD check to run in its own process. The caller then runs what is left of the
   * setup if no check ran.
   */
  readonly deferBringUp?: boolean;
  /** Run the host's part through this shared batch (see {@link IpBatcher}), made for the host's namespace. */
  readonly hostBatch?: IpBatcher | undefined;
}

/**
 * Creates the container's interface as a macvlan (bridge mode) on the host's uplink, straight
 * into the container's namespace, with the kernel's DAD set up as `options.dad` says. The
 * container then sits on the host's segment itself, so its own kernel runs DAD there: the
 * returned target is the container's link, and a unique address stays on it. With a gateway the
 * default route is set at once, so an optimistic address is usable the moment it is on the link.
 * A failure removes the link again.
 *
 * @example
 * ```ts
 * const target = await createMacvlan({ ns: undefined, uplink: "eth0" }, { netns: "c1", ifname: "eth0" }, { dad, prefixLength: 64 });
 * const outcome = await kernelDadCheck(target, dad, monitor)(address);
 * ```
 */
export async function createMacvlan(
  host: HostUplink,
  container: ContainerLink,
  options: MacvlanOptions,
): Promise<KernelDadTarget> {
  const ns = checkNetns(container.netns);
  const ifname = checkIfname(container.ifname);
  const sysctls = macvlanSysctls(ifname, options.dad);
  const gateway = options.gateway?.toString();
  const bringUp = [
    ["link", "set", ifname, "up"],
    ...(gateway ? [["route", "replace", "default", "via", gateway, "dev", ifname]] : []),
  ];
  const operation = `create macvlan ${ifname} on ${host.uplink} in ${ns}`;
  try {
    // The host's address monitor hears a namespace's events only once the host has an id for it;
    // iproute2 gives one by name only, so for a path DAD falls back to polling.
    const nsid = isNetnsPath(ns) ? [] : [["netns", "set", ns, "auto"]];
    const commands = [macvlanCommand(host.uplink, ns, ifname), ...nsid];
    const onHost = options.hostBatch
      ? options.hostBatch.run(commands, operation)
      : ipBatch(host.ns, commands, operation);
    await onHost.catch(ignoreNsidTaken);
    await setSysctls(ns, sysctls);
    if (!options.deferBringUp) await ipBatch(ns, bringUp, operation);
  } catch (e) {
    if (!(e instanceof NetlinkError && e.errno === "EEXIST")) await deleteLink(ns, ifname).catch(() => undefined);
    throw e;
  }
  const target = { ns, ifname, prefixLength: options.prefixLength, keep: true };
  return options.deferBringUp ? { ...target, setup: new LinkSetup(bringUp) } : target;
}

/** own6 assigns the address; the container still hears RAs for routes but makes no SLAAC address. */
function macvlanSysctls(ifname: string, dad: DadSysctls): Sysctl[] {
  const conf = (name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  return [conf("disable_ipv6", 0), ...dadSysctls(ifname, dad), conf("autoconf", 0), conf("accept_ra", 1)];
}

/** The last command of a batch failed only because the host already has an id for the namespace. */
function ignoreNsidTaken(e: unknown): void {
  if (!(e instanceof NetlinkError && /already has a nsid/.test(e.detail))) throw e;
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
