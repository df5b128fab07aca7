import type { Address, DadCheck, Lease } from "@own6/core";
import {
  AddressMonitor,
  addAddress,
  createMacvlan,
  deleteLink,
  getLink,
  type KernelDadTarget,
  kernelDadCheck,
  NetlinkError,
  uplinkGateway,
} from "@own6/netlink";
import type { CniResult } from "../spec/result.js";
import type { AttachContext } from "./context.js";
import { installRoutes, resolveRoutes } from "./routes.js";

/**
 * own6-cni ADD in macvlan mode: a macvlan (bridge mode) on the uplink straight into the
 * container's namespace; the address derived, proven by the kernel's DAD on that very link (a
 * conflict deletes it and the next DAD counter's identifier is tried) and kept there; routes via
 * the configured gateway or the router the host uses. A repeated ADD returns the attachment as it
 * is. On failure the link is deleted and the reservation released.
 *
 * @example
 * ```ts
 * const result = await addMacvlan(context);
 * ```
 */
export async function addMacvlan(context: AttachContext): Promise<CniResult> {
  const { env, config, prefix, owner, reservations, log } = context;
  const container = { netns: env.netns, ifname: env.ifname };
  const monitor = config.dad.enabled ? AddressMonitor.start(env.netns) : undefined;
  let target: KernelDadTarget | undefined;
  const dad: DadCheck = async (address) =>
    monitor && target ? kernelDadCheck(target, config.dad, monitor)(address) : { status: "unique" };
  try {
    const allocator = await reservations.allocator(prefix, dad, config);
    const [existing] = allocator.leasesOf(owner);
    if (existing && (await getLink(env.netns, env.ifname))) return await describe(context, existing);
    let created = false;
    try {
      const host = { ns: undefined, uplink: config.master };
      target = await createMacvlan(host, container, { dad: config.dad, prefixLength: prefix.bits });
      created = true;
      const lease = await allocator.allocate(owner);
      // A lease that already existed (an ADD retried after its link vanished) was not probed here.
      await addAddress(env.netns, env.ifname, lease.address, prefix.bits, { nodad: true }).catch(ignoreExists);
      log.info("attached", { address: String(lease.address), dadCounter: lease.dadCounter, mode: "macvlan" });
      return await describe(context, lease, true);
    } catch (e) {
      if (created) await deleteLink(env.netns, env.ifname).catch(() => undefined);
      await reservations.release(owner).catch(() => undefined);
      throw e;
    }
  } finally {
    monitor?.close();
  }
}

/** The result of an attachment; with `install`, its routes are put in place first. */
async function describe(context: AttachContext, lease: Lease, install = false): Promise<CniResult> {
  const { env, config, prefix, log } = context;
  const gateway: Address | undefined =
    config.gateway ?? (await uplinkGateway({ ns: undefined, uplink: config.master }));
  const { routes, skipped } = resolveRoutes(config.routes, gateway);
  if (skipped.length > 0) log.warn("no gateway is known, so these routes are left out", { routes: skipped });
  if (install) await installRoutes(env.netns, env.ifname, routes);
  const link = await getLink(env.netns, env.ifname);
  return {
    interfaces: [{ name: env.ifname, ...(link?.mac && { mac: link.mac }), sandbox: env.netns }],
    ips: [
      {
        interface: 0,
        address: `${lease.address}/${prefix.bits}`,
        ...(gateway && { gateway: gateway.toString() }),
      },
    ],
    routes,
  };
}

function ignoreExists(e: unknown): void {
  if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
}
