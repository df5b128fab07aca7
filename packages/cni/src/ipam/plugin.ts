import type { Prefix } from "@own6/core";
import { getLink, ownerOf } from "@own6/netlink";
import { gatewayFor, servedPrefix } from "../address/served.js";
import { netnsExists } from "../attach/netns.js";
import { type AddressConfig, dataDirOf, storeOf } from "../config/address.js";
import { containerLinkProbe, lazyProbe, type Probe, storeOnly, uplinkProbe } from "../dad/probe.js";
import { toCniError } from "../plugin/failure.js";
import { reportCollected } from "../plugin/gc-report.js";
import type { CniPlugin, PluginRequest } from "../plugin/run.js";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { validAttachments } from "../spec/gc.js";
import type { CniResult } from "../spec/result.js";
import { Reservations } from "../store/reservations.js";
import { verifyReservation } from "../store/verify.js";
import { ipamConfig, lenientIpam } from "./config.js";

/**
 * own6-ipam: addresses for the reference main plugins (macvlan, bridge, ipvlan, ptp). ADD
 * derives the container's RFC 7217 address in the prefix, proves it with the kernel's DAD on the
 * container's link (or from the uplink when that link does not exist yet), records it and
 * returns the abbreviated IPAM result; DEL releases; CHECK compares prevResult with the store;
 * GC releases every attachment not listed; STATUS says whether ADD can be served.
 *
 * @example
 * ```ts
 * const exit = await runPlugin(ipamPlugin, processIo());
 * ```
 */
export const ipamPlugin: CniPlugin = {
  name: "own6-ipam",
  about: "own6-ipam: DAD-proven, deterministic IPv6 addresses (RFC 7217) for CNI main plugins",
  add,
  del,
  check,
  gc,
  status,
};

async function add({ env, conf, log, connections }: PluginRequest): Promise<CniResult> {
  const config = ipamConfig(conf);
  const prefix = await servedPrefix(config);
  const gateway = await gatewayFor(config);
  const owner = ownerOf(env.containerId, env.ifname);
  const reservations = await Reservations.open(config.dataDir, conf.name, config.store, connections);
  const probe = lazyProbe(() => probeFor(env.netns, env.ifname, prefix, config));
  try {
    await reservations.sweepClaims(owner);
    const allocator = await reservations.allocator(prefix, probe.check, config);
    const lease = await allocator.allocate(owner);
    log.info("address reserved", { address: String(lease.address), dadCounter: lease.dadCounter, dad: probe.where });
    return {
      ips: [{ address: `${lease.address}/${prefix.bits}`, ...(gateway && { gateway: String(gateway) }) }],
      routes: config.routes,
    };
  } finally {
    probe.close();
    reservations.close();
  }
}

/**
 * Where an IPAM plugin's DAD runs: on the container's link when the main plugin has created it
 * (macvlan, bridge, ipvlan do before calling IPAM); else from the uplink (ptp calls IPAM before
 * it creates its veth); else nowhere, and the store alone keeps addresses unique.
 */
async function probeFor(netns: string, ifname: string, prefix: Prefix, config: AddressConfig): Promise<Probe> {
  if (!config.dad.enabled) return storeOnly("dad.enabled is false");
  if (netnsExists(netns) && (await getLink(netns, ifname))) {
    return containerLinkProbe(netns, ifname, prefix.bits, config.dad, config.routes.length > 0);
  }
  if (config.uplink) return uplinkProbe(config.uplink, config.dad);
  return storeOnly(`${ifname} does not exist in ${netns} yet and no uplink is configured`);
}

async function del({ env, conf, log, connections }: PluginRequest): Promise<void> {
  await withExistingReservations(conf, connections, async (reservations) => {
    const released = await reservations.release(ownerOf(env.containerId, env.ifname));
    log.info("released", { addresses: released.map((r) => r.address) });
  });
}

async function check({ env, conf, connections }: PluginRequest): Promise<void> {
  const config = ipamConfig(conf);
  const owner = ownerOf(env.containerId, env.ifname);
  if (!Reservations.exist(config.dataDir, conf.name, config.store)) {
    throw new CniError(CNI_CODES.unknownContainer, `no reservation for ${owner}`);
  }
  const reservations = await Reservations.open(config.dataDir, conf.name, config.store, connections);
  try {
    verifyReservation(await reservations.records(owner), conf.raw.prevResult, owner);
  } finally {
    reservations.close();
  }
}

async function gc({ conf, log, connections }: PluginRequest): Promise<void> {
  const valid = validAttachments(conf.raw);
  await withExistingReservations(conf, connections, async (reservations) => {
    const { released, failed } = await reservations.collect(valid);
    reportCollected(log, released, failed);
  });
}

/** {@link Reservations.withExisting} for the network's `ipam` section, read leniently ({@link lenientIpam}). */
async function withExistingReservations(
  conf: PluginRequest["conf"],
  connections: PluginRequest["connections"],
  use: (reservations: Reservations) => Promise<void>,
): Promise<void> {
  const ipam = lenientIpam(conf);
  await Reservations.withExisting(dataDirOf(ipam), conf.name, storeOf(ipam), connections, use);
}

async function status({ conf, connections }: PluginRequest): Promise<void> {
  const config = ipamConfig(conf);
  try {
    await servedPrefix(config);
    (await Reservations.open(config.dataDir, conf.name, config.store, connections)).close();
  } catch (e) {
    throw new CniError(CNI_CODES.notAvailable, `own6-ipam cannot serve ADD: ${toCniError(e).message}`);
  }
}
