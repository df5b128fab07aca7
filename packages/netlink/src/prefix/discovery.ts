import { Address, Prefix } from "@own6/core";
import { listAddresses } from "../addresses.js";
import { PrefixNotLearnedError } from "../errors.js";
import { IpMonitor } from "../ip-monitor.js";
import { checkIfname } from "../names.js";
import { listRoutes } from "../routes.js";

/** A prefix the kernel learned from a Router Advertisement on a link. */
export interface LearnedPrefix {
  readonly prefix: Prefix;
  readonly ifname: string;
  /** Seconds left; undefined for infinite. */
  readonly validLifetime: number | undefined;
  /** Seconds left; undefined for infinite; 0 once the router deprecates it. */
  readonly preferredLifetime: number | undefined;
}

/**
 * The prefixes the kernel has learned from Router Advertisements on `ifname` in namespace `ns`:
 * its RA prefix routes (`proto kernel` with an expiry, linux.md §4) with their valid lifetime, and
 * the preferred lifetime of the SLAAC address it made in each (when it made one).
 *
 * @example
 * ```ts
 * const [first] = await learnedPrefixes("host", "uplink0");
 * first?.prefix.toString(); // "2001:db8:1::/64"
 * ```
 */
export async function learnedPrefixes(ns: string | undefined, ifname: string): Promise<LearnedPrefix[]> {
  const [routes, addresses] = await Promise.all([listRoutes(ns), listAddresses(ns, checkIfname(ifname))]);
  const learned: LearnedPrefix[] = [];
  for (const route of routes) {
    if (route.dev !== ifname || route.protocol !== "kernel" || route.expires === undefined || !route.dst.includes("/"))
      continue;
    const prefix = Prefix.parse(route.dst);
    if (prefix.kind === "linkLocal") continue;
    const slaac = addresses.find((a) => prefix.contains(a.address) && a.validLifetime !== undefined);
    learned.push({
      prefix,
      ifname,
      validLifetime: route.expires,
      preferredLifetime: slaac?.preferredLifetime ?? route.expires,
    });
  }
  return learned;
}

// iproute2 6.1 prints "prefix 2001:db8:1::/64dev vH valid 3600 preferred 1800" (no space before dev).
const PREFIX_LINE = /^prefix ([0-9a-fA-F:]+)\/(\d+)\s*dev (\S+)(?: \w+)* valid (\d+) preferred (\d+)/;

/**
 * Parses one line of `ip monitor prefix`.
 *
 * @example
 * ```ts
 * parsePrefixEvent("prefix 2001:db8:1::/64dev vH valid 3600 preferred 1800")?.prefix.toString(); // "2001:db8:1::/64"
 * ```
 */
export function parsePrefixEvent(line: string): LearnedPrefix | undefined {
  const m = PREFIX_LINE.exec(line.trim());
  if (!m?.[1] || !m[3]) return undefined;
  try {
    const prefix = Prefix.from(Address.parse(m[1]), Number(m[2]));
    const infinite = (s: string | undefined) => (s === undefined || Number(s) === 0xffffffff ? undefined : Number(s));
    return { prefix, ifname: m[3], validLifetime: infinite(m[4]), preferredLifetime: infinite(m[5]) };
  } catch {
    return undefined;
  }
}

/**
 * Reports every Prefix Information option the kernel receives in namespace `ns` (one
 * RTM_NEWPREFIX per PIO per RA; the kernel keeps no list to dump, so only a listener sees them):
 * a new prefix, a renewed lifetime, or a lifetime dropping to zero when a router renumbers.
 *
 * @example
 * ```ts
 * const monitor = PrefixMonitor.start("host");
 * monitor.subscribe((p) => console.log(`${p.prefix} preferred ${p.preferredLifetime}`));
 * ```
 */
export class PrefixMonitor extends IpMonitor<LearnedPrefix> {
  private constructor(ns: string | undefined) {
    super(ns, ["monitor", "prefix"], parsePrefixEvent);
  }

  /**
   * Starts listening in namespace `ns` (the caller's when left out).
   *
   * @example
   * ```ts
   * const monitor = PrefixMonitor.start();
   * ```
   */
  static start(ns?: string): PrefixMonitor {
    return new PrefixMonitor(ns);
  }
}

/**
 * Waits until the kernel has learned a prefix on `ifname` and returns the learned prefixes.
 *
 * @throws {@link PrefixNotLearnedError} after `timeoutMs` without a prefix.
 * @example
 * ```ts
 * const prefixes = await waitForPrefixes("host", "uplink0", 20_000);
 * ```
 */
export async function waitForPrefixes(
  ns: string | undefined,
  ifname: string,
  timeoutMs: number,
): Promise<LearnedPrefix[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const learned = await learnedPrefixes(ns, ifname);
    if (learned.length > 0) return learned;
    if (Date.now() > deadline) throw new PrefixNotLearnedError(ifname, ns, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
