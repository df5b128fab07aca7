import { checkIfname } from "@own6/netlink";
import type { AttachMode, CniConfig } from "../attach/context.js";
import { dataDirOf, parseAddressConfig, rejectRequestedAddresses, storeOf } from "../config/address.js";
import { optionalString, type Section } from "../config/read.js";
import type { StoreSetting } from "../config/store.js";
import { CNI_CODES, CniError } from "../spec/errors.js";
import { isJsonObject, type NetConf } from "../spec/netconf.js";

const MODES: readonly AttachMode[] = ["macvlan", "routed"];

/**
 * own6-cni's configuration, read from the top level of the network configuration (other keys,
 * such as the runtime's `runtimeConfig` or `args`, are ignored): `mode` (`macvlan` unless set),
 * `master` (the uplink, required), and the address logic's keys. `routes` defaults to a default
 * route; routed mode's gateway is always fe80::1, so `gateway` is refused there.
 *
 * @throws {@link CniError} codes 7, 2 (an `ipam` plugin: own6-cni assigns addresses itself).
 * @example
 * ```ts
 * const config = cniConfig(conf); // { mode: "routed", master: "eth0", ... }
 * ```
 */
export function cniConfig(conf: NetConf): CniConfig {
  const top: Section = { path: "", value: conf.raw };
  const mode = optionalString(top, "mode") ?? "macvlan";
  if (!MODES.some((m) => m === mode)) {
    throw new CniError(CNI_CODES.invalidConfig, `mode must be "macvlan" or "routed", not ${JSON.stringify(mode)}`);
  }
  const master = optionalString(top, "master");
  if (master === undefined) throw new CniError(CNI_CODES.invalidConfig, "master (the uplink) is missing");
  if (isJsonObject(conf.raw.ipam) && conf.raw.ipam.type !== undefined) {
    throw new CniError(
      CNI_CODES.unsupportedField,
      `unsupported field ipam=${JSON.stringify(conf.raw.ipam)}: own6-cni assigns addresses itself; remove ipam`,
    );
  }
  rejectRequestedAddresses(conf.raw);
  const address = parseAddressConfig(top, conf.name, master);
  if (mode === "routed" && address.gateway) {
    throw new CniError(CNI_CODES.invalidConfig, "gateway cannot be set in routed mode: containers route via fe80::1");
  }
  const routes = conf.raw.routes === undefined ? [{ dst: "::/0" }] : address.routes;
  return { ...address, routes, mode: mode as AttachMode, master };
}

/**
 * What DEL and GC need, read without failing: a runtime must be able to remove an attachment
 * even after its configuration went bad.
 *
 * @example
 * ```ts
 * const { dataDir, master, store } = lenientCniConfig(conf);
 * ```
 * @throws {@link CniError} code 7 for an invalid `store` only (see {@link storeOf}).
 */
export function lenientCniConfig(conf: NetConf): { dataDir: string; master: string | undefined; store: StoreSetting } {
  const top: Section = { path: "", value: conf.raw };
  let master: string | undefined;
  try {
    master = checkIfname(optionalString(top, "master") ?? "");
  } catch {
    master = undefined;
  }
  return { dataDir: dataDirOf(top), master, store: storeOf(top) };
}
