import type { Address, Prefix } from "@own6/core";
import { getLink, learnedPrefixes, uplinkGateway } from "@own6/netlink";
import type { AddressConfig } from "../config/address.js";
import { CNI_CODES, CniError } from "../spec/errors.js";

/**
 * The prefix addresses come from: the configured one, else the first preferred prefix the uplink
 * learned from Router Advertisements (in the plugin's own network namespace, the host's).
 *
 * @throws {@link CniError} code 7 (the uplink does not exist), 101 (it learned no usable prefix).
 * @example
 * ```ts
 * const prefix = await servedPrefix(config);
 * ```
 */
export async function servedPrefix(config: AddressConfig): Promise<Prefix> {
  if (config.prefix) return config.prefix;
  const uplink = config.uplink as string;
  await requireLink(uplink);
  const learned = await learnedPrefixes(undefined, uplink);
  const usable = learned.find((l) => l.preferredLifetime !== 0 && l.prefix.unhostableReason() === undefined);
  if (!usable) {
    throw new CniError(
      CNI_CODES.prefixNotLearned,
      `${uplink} has learned no usable prefix from Router Advertisements; check the router and accept_ra, or configure a prefix`,
    );
  }
  return usable.prefix;
}

/**
 * The gateway a container gets: the configured one, else the router the host uses on the uplink
 * (its link-local address, from the RA-learned default route), else none.
 *
 * @example
 * ```ts
 * const gateway = await gatewayFor(config); // Address fe80::... or undefined
 * ```
 */
export async function gatewayFor(config: AddressConfig): Promise<Address | undefined> {
  if (config.gateway) return config.gateway;
  return config.uplink === undefined ? undefined : uplinkGateway({ ns: undefined, uplink: config.uplink });
}

/**
 * Fails with code 7 unless the host has a link named `name`.
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * await requireLink("eth0");
 * ```
 */
export async function requireLink(name: string): Promise<void> {
  if (!(await getLink(undefined, name))) {
    throw new CniError(CNI_CODES.invalidConfig, `the link ${name} does not exist in the plugin's network namespace`);
  }
}
