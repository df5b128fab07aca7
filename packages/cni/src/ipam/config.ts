import { ADDRESS_KEYS, type AddressConfig, parseAddressConfig, rejectRequestedAddresses } from "../config/address.js";
import { optionalString, rejectUnknown, type Section, section } from "../config/read.js";
import type { NetConf } from "../spec/netconf.js";

const IPAM_KEYS = ["type", "uplink", ...ADDRESS_KEYS];

/**
 * own6-ipam's configuration: the `ipam` section of the main plugin's configuration (which the
 * IPAM plugin receives whole; every other key is the main plugin's and is ignored). Unknown keys
 * inside `ipam` are refused with code 2, so a typo does not pass silently.
 *
 * @throws {@link CniError} codes 7, 2.
 * @example
 * ```ts
 * const config = ipamConfig(conf); // conf.raw.ipam = { type: "own6-ipam", uplink: "eth0" }
 * ```
 */
export function ipamConfig(conf: NetConf): AddressConfig {
  const ipam = section(conf.raw, "ipam") as Section;
  rejectUnknown(ipam, IPAM_KEYS);
  rejectRequestedAddresses(conf.raw);
  return parseAddressConfig(ipam, conf.name, optionalString(ipam, "uplink"));
}

/**
 * The `ipam` section if it is an object, for DEL and GC, which must not fail on a configuration
 * that went bad after ADD.
 *
 * @example
 * ```ts
 * dataDirOf(lenientIpam(conf));
 * ```
 */
export function lenientIpam(conf: NetConf): Section | undefined {
  try {
    return section(conf.raw, "ipam", true);
  } catch {
    return undefined;
  }
}
