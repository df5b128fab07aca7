import { Address } from "@own6/core";
import { NetlinkError } from "./errors.js";
import { ip, ipJson } from "./ip.js";
import { checkIfname } from "./names.js";

/** An IPv6 address on a link, with the DAD flags the kernel reports. */
export interface LinkAddress {
  readonly address: Address;
  readonly prefixLength: number;
  readonly scope: string;
  readonly tentative: boolean;
  readonly dadfailed: boolean;
  readonly optimistic: boolean;
  readonly deprecated: boolean;
  /** Seconds, or undefined for forever. */
  readonly validLifetime: number | undefined;
  readonly preferredLifetime: number | undefined;
}

interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
  scope?: string;
  tentative?: boolean;
  dadfailed?: boolean;
  optimistic?: boolean;
  deprecated?: boolean;
  valid_life_time?: number;
  preferred_life_time?: number;
}

const FOREVER = 4294967295;

function lifetime(seconds: number | undefined): number | undefined {
  return seconds === undefined || seconds === FOREVER ? undefined : seconds;
}

function toLinkAddress(info: IpAddrInfo): LinkAddress | undefined {
  // iproute2 6.1 prints empty {} entries under some filters (linux.md §1.3): skip them.
  if (info.family !== "inet6" || info.local === undefined) return undefined;
  return {
    address: Address.parse(info.local),
    prefixLength: info.prefixlen ?? 128,
    scope: info.scope ?? "global",
    tentative: info.tentative === true,
    dadfailed: info.dadfailed === true,
    optimistic: info.optimistic === true,
    deprecated: info.deprecated === true,
    validLifetime: lifetime(info.valid_life_time),
    preferredLifetime: lifetime(info.preferred_life_time),
  };
}

/** How to add an address. */
export interface AddAddressOptions {
  /** Skip DAD (`nodad`): only for addresses already proven unique elsewhere. */
  readonly nodad?: boolean;
  /** Usable while DAD runs (`optimistic`, RFC 4429); needs optimistic_dad on the link. */
  readonly optimistic?: boolean;
  /** Lifetimes in seconds; the address is permanent when left out. */
  readonly validLifetime?: number;
  readonly preferredLifetime?: number;
}

/**
 * The `ip` command (without `-6`) that adds an IPv6 address to a link, for {@link addAddress} or
 * a batch that does more in the same process.
 *
 * @example
 * ```ts
 * addAddressCommand("eth0", Address.parse("2001:db8::5"), 64, { optimistic: true });
 * // ["addr", "add", "2001:db8::5/64", "dev", "eth0", "optimistic"]
 * ```
 */
export function addAddressCommand(
  ifname: string,
  address: Address,
  prefixLength: number,
  options: AddAddressOptions = {},
): string[] {
  const args = ["addr", "add", `${address}/${prefixLength}`, "dev", checkIfname(ifname)];
  if (options.nodad) args.push("nodad");
  if (options.optimistic) args.push("optimistic");
  if (options.validLifetime !== undefined) args.push("valid_lft", String(options.validLifetime));
  if (options.preferredLifetime !== undefined) args.push("preferred_lft", String(options.preferredLifetime));
  return args;
}

/**
 * Adds an IPv6 address to a link in namespace `ns`.
 *
 * @example
 * ```ts
 * await addAddress("own6-c1", "eth0", Address.parse("2001:db8::5"), 64);
 * ```
 */
export async function addAddress(
  ns: string | undefined,
  ifname: string,
  address: Address,
  prefixLength: number,
  options: AddAddressOptions = {},
): Promise<void> {
  const args = ["-6", ...addAddressCommand(ifname, address, prefixLength, options)];
  await ip(ns, args, `add ${address}/${prefixLength} to ${ifname} in ${ns}`);
}

/**
 * Removes an IPv6 address from a link. Missing is fine.
 *
 * @example
 * ```ts
 * await deleteAddress("own6-c1", "eth0", Address.parse("2001:db8::5"), 64);
 * ```
 */
export async function deleteAddress(
  ns: string | undefined,
  ifname: string,
  address: Address,
  prefixLength: number,
): Promise<void> {
  try {
    await ip(
      ns,
      ["-6", "addr", "del", `${address}/${prefixLength}`, "dev", checkIfname(ifname)],
      `remove ${address} from ${ifname} in ${ns}`,
    );
  } catch (e) {
    if (!(e instanceof NetlinkError && (e.errno === "EADDRNOTAVAIL" || e.errno === "ENODEV"))) throw e;
  }
}

/**
 * The IPv6 addresses on a link (or on every link when `ifname` is left out).
 *
 * @example
 * ```ts
 * (await listAddresses("own6-c1", "eth0")).filter((a) => a.scope === "global");
 * ```
 */
export async function listAddresses(ns: string | undefined, ifname?: string): Promise<LinkAddress[]> {
  const args = ifname === undefined ? ["-6", "addr", "show"] : ["-6", "addr", "show", "dev", checkIfname(ifname)];
  const links = await ipJson<{ addr_info?: IpAddrInfo[] }[]>(ns, args, `list addresses in ${ns}`);
  return links.flatMap((l) => (l.addr_info ?? []).map(toLinkAddress).filter((a) => a !== undefined));
}
