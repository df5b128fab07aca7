import { Address } from "@own6/core";
import {
  deleteLink,
  getLink,
  hostVethName,
  listAddresses,
  listProxyNeighbors,
  listRoutes,
  ownerOf,
} from "@own6/netlink";
import { requireLink, servedPrefix } from "../address/served.js";
import { addMacvlan } from "../attach/macvlan.js";
import { netnsExists } from "../attach/netns.js";
import { addRouted, addressesOf, detachHost } from "../attach/routed.js";
import { toCniError } from "../plugin/failure.js";
import { reportCollected } from "../plugin/gc-report.js";
import type { CniPlugin, PluginRequest } from "../plugin/run.js";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { validAttachments } from "../spec/gc.js";
import type { CniResult } from "../spec/result.js";
import { Reservations } from "../store/reservations.js";
import { verifyReservation } from "../store/verify.js";
import { cniConfig, lenientCniConfig } from "./config.js";

/**
 * own6-cni: the whole attachment. `macvlan` gives the container its own macvlan on the uplink;
 * `routed` a veth with proxy NDP and no bridge. Either way the address is the prefix plus the
 * RFC 7217 identifier of (network, container id, interface), proven by the kernel's DAD (a
 * conflict moves on to the next DAD counter). DEL removes links, proxy entries and the
 * reservation, also when the namespace is already gone.
 *
 * @example
 * ```ts
 * const exit = await runPlugin(cniPlugin, processIo());
 * ```
 */
export const cniPlugin: CniPlugin = {
  name: "own6-cni",
  about: "own6-cni: every container its own DAD-proven IPv6 address, by macvlan or routed veth",
  add,
  del,
  check,
  gc,
  status,
};

async function add({ env, conf, log, connections }: PluginRequest): Promise<CniResult> {
  const config = cniConfig(conf);
  await requireLink(config.master);
  const prefix = await servedPrefix(config);
  const owner = ownerOf(env.containerId, env.ifname);
  const reservations = await Reservations.open(config.dataDir, conf.name, config.store, connections);
  try {
    await reservations.sweepClaims(owner);
    const context = { env, config, prefix, owner, reservations, log };
    return config.mode === "macvlan" ? await addMacvlan(context) : await addRouted(context);
  } finally {
    reservations.close();
  }
}

async function del({ env, conf, log, connections }: PluginRequest): Promise<void> {
  const { dataDir, master, store } = lenientCniConfig(conf);
  const owner = ownerOf(env.containerId, env.ifname);
  const reservations = Reservations.exist(dataDir, conf.name, store)
    ? await Reservations.open(dataDir, conf.name, store, connections)
    : undefined;
  try {
    const held = (await reservations?.records(owner))?.filter((r) => r.state === "bound") ?? [];
    if (netnsExists(env.netns)) {
      // The container's side goes with its namespace anyway; one that cannot be entered is no reason to fail.
      await deleteLink(env.netns, env.ifname).catch((e: unknown) =>
        log.warn("could not remove the container's link", { error: toCniError(e).message }),
      );
    }
    const hostIf = env.netns === "" ? undefined : hostVethName({ netns: env.netns, ifname: env.ifname });
    if (master) await detachHost(master, addressesOf(held), hostIf);
    const released = (await reservations?.release(owner)) ?? [];
    log.info("detached", { addresses: released.map((r) => r.address) });
  } finally {
    reservations?.close();
  }
}

async function check({ env, conf, connections }: PluginRequest): Promise<void> {
  const config = cniConfig(conf);
  if (conf.raw.prevResult === undefined) throw new CniError(CNI_CODES.invalidConfig, "Required prevResult missing");
  const owner = ownerOf(env.containerId, env.ifname);
  if (!Reservations.exist(config.dataDir, conf.name, config.store)) {
    throw new CniError(CNI_CODES.unknownContainer, `no reservation for ${owner}`);
  }
  const reservations = await Reservations.open(config.dataDir, conf.name, config.store, connections);
  let leases: Address[];
  try {
    leases = addressesOf(verifyReservation(await reservations.records(owner), conf.raw.prevResult, owner));
  } finally {
    reservations.close();
  }
  await checkContainerSide(env.netns, env.ifname, leases);
  if (config.mode === "routed") await checkHostSide(config.master, hostVethName(env), leases);
}

function broken(what: string): CniError {
  return new CniError(CNI_CODES.attachmentBroken, what);
}

async function checkContainerSide(netns: string, ifname: string, leases: readonly Address[]): Promise<void> {
  if (!netnsExists(netns)) throw broken(`the namespace ${netns} does not exist`);
  if (!(await getLink(netns, ifname))) throw broken(`${ifname} does not exist in ${netns}`);
  const onLink = await listAddresses(netns, ifname);
  for (const lease of leases) {
    const found = onLink.find((a) => a.address.equals(lease));
    if (!found) throw broken(`${lease} is not on ${ifname}`);
    if (found.dadfailed || found.tentative) {
      throw broken(`${lease} on ${ifname} is ${found.dadfailed ? "a duplicate (dadfailed)" : "still tentative"}`);
    }
  }
  if (!(await listRoutes(netns)).some((r) => r.dst === "default" && r.dev === ifname)) {
    throw broken(`${netns} has no default route via ${ifname}`);
  }
}

async function checkHostSide(master: string, hostIf: string, leases: readonly Address[]): Promise<void> {
  if (!(await getLink(undefined, hostIf))) throw broken(`the host side ${hostIf} does not exist`);
  const proxied = (await listProxyNeighbors(undefined, master)).map((text) => Address.parse(text));
  for (const lease of leases) {
    if (!proxied.some((p) => p.equals(lease))) throw broken(`${lease} has no proxy NDP entry on ${master}`);
  }
}

async function gc({ conf, log, connections }: PluginRequest): Promise<void> {
  const valid = validAttachments(conf.raw);
  const { dataDir, master, store } = lenientCniConfig(conf);
  await Reservations.withExisting(dataDir, conf.name, store, connections, async (reservations) => {
    const { released, failed } = await reservations.collect(valid);
    if (master) await detachHost(master, addressesOf(released));
    reportCollected(log, released, failed);
  });
}

async function status({ conf, connections }: PluginRequest): Promise<void> {
  const config = cniConfig(conf);
  try {
    const link = await getLink(undefined, config.master);
    if (!link?.up) throw new CniError(CNI_CODES.notAvailable, `the uplink ${config.master} is missing or down`);
    await servedPrefix(config);
    (await Reservations.open(config.dataDir, conf.name, config.store, connections)).close();
  } catch (e) {
    throw new CniError(CNI_CODES.notAvailable, `own6-cni cannot serve ADD: ${toCniError(e).message}`);
  }
}
