import { Address } from "@own6/core";
import { IpMonitor } from "./ip-monitor.js";

/** One address event from the kernel, as `ip -o monitor address all-nsid` prints it. */
export interface AddressEvent {
  readonly kind: "address";
  /** The namespace's id as seen from the monitor's namespace; `current` for its own. */
  readonly nsid: string;
  readonly deleted: boolean;
  readonly address: Address;
  readonly prefixLength: number;
  readonly tentative: boolean;
  readonly dadfailed: boolean;
  readonly optimistic: boolean;
  readonly deprecated: boolean;
}

const LINE = /^(?:\[nsid (\w+)\])?(Deleted )?\d+:\s+\S+\s+inet6 ([0-9a-fA-F:.]+)\/(\d+) (.*)$/;

/**
 * Parses one line of `ip -o monitor address all-nsid`, or returns undefined for lines that are
 * not IPv6 address events. The interface name on the line is resolved in the monitor's own
 * namespace, so it is wrong for other namespaces' events and is not reported.
 *
 * @example
 * ```ts
 * parseAddressEvent("[nsid 0]2: eth0    inet6 2001:db8::5/64 scope global tentative \\ ...")?.tentative; // true
 * ```
 */
export function parseAddressEvent(line: string): AddressEvent | undefined {
  const m = LINE.exec(line);
  if (!m?.[3] || !m[4]) return undefined;
  const words = new Set((m[5] ?? "").split(/\s+/));
  let address: Address;
  try {
    address = Address.parse(m[3]);
  } catch {
    return undefined;
  }
  return {
    kind: "address",
    nsid: m[1] ?? "current",
    deleted: m[2] !== undefined,
    address,
    prefixLength: Number(m[4]),
    tentative: words.has("tentative"),
    dadfailed: words.has("dadfailed"),
    optimistic: words.has("optimistic"),
    deprecated: words.has("deprecated"),
  };
}

/** One link event from the kernel, as `ip -o monitor link all-nsid` prints it. */
export interface LinkEvent {
  readonly kind: "link";
  /** The namespace's id as seen from the monitor's namespace; `current` for its own. */
  readonly nsid: string;
  readonly deleted: boolean;
  /** The link's own name: unlike an address event's, it comes with the event. */
  readonly ifname: string;
  readonly up: boolean;
  /** `LOWER_UP`: frames can leave and arrive. */
  readonly carrier: boolean;
}

const LINK_LINE = /^(?:\[nsid (\w+)\])?(Deleted )?\d+: ([^\s:@]+)(?:@\S+)?: <([^>]*)>/;

/**
 * Parses one line of `ip -o monitor link all-nsid`, or returns undefined for lines that are not
 * link events.
 *
 * @example
 * ```ts
 * parseLinkEvent("[nsid 1]3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...")?.carrier; // true
 * ```
 */
export function parseLinkEvent(line: string): LinkEvent | undefined {
  const m = LINK_LINE.exec(line);
  if (!m?.[3]) return undefined;
  const flags = new Set((m[4] ?? "").split(","));
  return {
    kind: "link",
    nsid: m[1] ?? "current",
    deleted: m[2] !== undefined,
    ifname: m[3],
    up: flags.has("UP"),
    carrier: flags.has("LOWER_UP") && !flags.has("NO-CARRIER"),
  };
}

/**
 * Watches IPv6 address and link events of a namespace and of every namespace it has an id for
 * (own6 gives one to each container namespace it attaches), through one long-running
 * `ip -o monitor link address all-nsid`: link events tell a DAD check that its link lost carrier. One monitor serves every container on a host, where a
 * monitor or a poll per container would cost a process each.
 *
 * @example
 * ```ts
 * const monitor = AddressMonitor.start("host");
 * const stop = monitor.subscribe((e) => e.kind === "address" && console.log(String(e.address), e.tentative));
 * // ...
 * stop();
 * monitor.close();
 * ```
 */
export class AddressMonitor extends IpMonitor<AddressEvent | LinkEvent> {
  private constructor(ns: string | undefined) {
    super(
      ns,
      ["-o", "monitor", "link", "address", "all-nsid"],
      (line) => parseAddressEvent(line) ?? parseLinkEvent(line),
    );
  }

  /**
   * Starts a monitor in namespace `ns`: a name, a path such as a CNI_NETNS, or the caller's
   * namespace when left out.
   *
   * @example
   * ```ts
   * const monitor = AddressMonitor.start();
   * ```
   */
  static start(ns?: string): AddressMonitor {
    return new AddressMonitor(ns);
  }
}
