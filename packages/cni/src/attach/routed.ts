import { Address, type Lease } from "@own6/core";
import {
  attachRouted,
  deleteLink,
  deleteProxyNeighbor,
  getLink,
  hostVethName,
  listRoutes,
  NetlinkError,
  ROUTED_GATEWAY,
  setSysctls,
} from "@own6/netlink";
import { lazyProbe, storeOnly, uplinkProbe } from "../dad/probe.js";
import type { CniResult, ResultRoute } from "../spec/result.js";
import type { AttachContext } from "./context.js";
import { installRoutes, resolveRoutes } from "./routes.js";

/** Host-side veths own6 creates: `o6` and 10 hex digits (see hostVethName). */
const HOST_VETH = /^o6[0-9a-f]{10}$/;

/**
 * own6-cni ADD in routed mode: the address derived and proven by the kernel's DAD from a scratch
 * macvlan on the uplink (a routed container never sits on the segment, but its address must be
 * free there, where proxy NDP announces it); then a veth pair without a bridge: the host end
 * gets fe80::1, a /128 route and a proxy NDP entry on the uplink, the container gets the
 * address/128 and a default route via fe80::1. The host forwards and answers NDP for its
 * containers on the uplink (proxy_ndp, accept_ra=2). A repeated ADD returns the attachment as it
 * is. On failure the veth and proxy entry are removed and the reservation released.
 *
 * @example
 * ```ts
 * const result = await addRouted(context);
 * ```
 */
export async function addRouted(context: AttachContext): Promise<CniResult> {
  const { env, config, prefix, owner, reservations, log } = context;
  const host = { ns: undefined, uplink: config.master };
  const container = { netns: env.netns, ifname: env.ifname };
  await prepareRoutedHost(config.master);
  const probe = lazyProbe(() =>
    config.dad.enabled ? uplinkProbe(config.master, config.dad) : Promise.resolve(storeOnly("dad.enabled is false")),
  );
  try {
    const allocator = await reservations.allocator(prefix, probe.check, config);
    const [existing] = allocator.leasesOf(owner);
    const hostIf = hostVethName(container);
    if (existing && (await getLink(undefined, hostIf)) && (await getLink(env.netns, env.ifname))) {
      return await describe(context, existing);
    }
    let lease: Lease | undefined;
    try {
      lease = await allocator.allocate(owner);
      const { address } = lease;
      await attachRouted(host, container, address).catch(async (e: unknown) => {
        // What an interrupted ADD left behind makes creating the veth fail: remove it, once.
        if (!(e instanceof NetlinkError && e.errno === "EEXIST")) throw e;
        await deleteLink(undefined, hostIf);
        await attachRouted(host, container, address);
      });
      await installRoutes(env.netns, env.ifname, extraRoutes(config.routes));
      log.info("attached", { address: String(lease.address), dadCounter: lease.dadCounter, dad: probe.where });
      return await describe(context, lease);
    } catch (e) {
      if (lease) await detachHost(config.master, [lease.address], hostIf).catch(() => undefined);
      await reservations.release(owner).catch(() => undefined);
      throw e;
    }
  } finally {
    probe.close();
  }
}

/**
 * The host's side of routed mode, idempotent: accept Router Advertisements on the uplink while
 * forwarding (accept_ra=2, set first, or the host would stop learning its prefix), answer NDP for
 * the containers there (proxy_ndp), and forward.
 *
 * @example
 * ```ts
 * await prepareRoutedHost("eth0");
 * ```
 */
export async function prepareRoutedHost(uplink: string): Promise<void> {
  const conf = (ifname: string, name: string, value: number) => ({ key: ["net", "ipv6", "conf", ifname, name], value });
  await setSysctls(undefined, [
    conf(uplink, "accept_ra", 2),
    conf(uplink, "proxy_ndp", 1),
    conf("all", "forwarding", 1),
  ]);
}

/**
 * Removes routed mode's host side for `addresses`: their proxy NDP entries on the uplink (which
 * outlive the veth) and the host veths routing to them, found by their /128 routes (the veth's
 * name depends on the namespace path, which DEL may not be given), plus `hostIf` when known.
 *
 * @example
 * ```ts
 * await detachHost("eth0", [address], hostVethName(container));
 * ```
 */
export async function detachHost(uplink: string, addresses: readonly Address[], hostIf?: string): Promise<void> {
  const texts = new Set(addresses.map(String));
  const routes = await listRoutes(undefined);
  const veths = new Set(
    routes.flatMap((r) => (r.dev && HOST_VETH.test(r.dev) && texts.has(r.dst.replace(/\/128$/, "")) ? [r.dev] : [])),
  );
  if (hostIf) veths.add(hostIf);
  for (const address of addresses) await deleteProxyNeighbor(undefined, uplink, address);
  for (const veth of veths) await deleteLink(undefined, veth);
}

/** Routes other than the default, which attachRouted installs itself. */
function extraRoutes(routes: readonly ResultRoute[]): ResultRoute[] {
  return resolveRoutes(
    routes.filter((r) => r.dst !== "::/0"),
    ROUTED_GATEWAY,
  ).routes;
}

async function describe(context: AttachContext, lease: Lease): Promise<CniResult> {
  const { env, config } = context;
  const hostIf = hostVethName({ netns: env.netns, ifname: env.ifname });
  const [hostLink, link] = await Promise.all([getLink(undefined, hostIf), getLink(env.netns, env.ifname)]);
  const gateway = ROUTED_GATEWAY.toString();
  return {
    interfaces: [
      { name: hostIf, ...(hostLink?.mac && { mac: hostLink.mac }) },
      { name: env.ifname, ...(link?.mac && { mac: link.mac }), sandbox: env.netns },
    ],
    ips: [{ interface: 1, address: `${lease.address}/128`, gateway }],
    routes: [{ dst: "::/0", gw: gateway }, ...extraRoutes(config.routes)],
  };
}

/**
 * Parses an address record's text (a helper for DEL and GC, which read records, not leases).
 *
 * @example
 * ```ts
 * addressesOf([record]); // [Address]
 * ```
 */
export function addressesOf(records: readonly { readonly address: string }[]): Address[] {
  return records.map((r) => Address.parse(r.address));
}
