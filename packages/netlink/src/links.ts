import { NetlinkError } from "./errors.js";
import { ip, ipJson } from "./ip.js";
import { checkIfname, checkNetns } from "./names.js";

/** What own6 needs to know of a link. */
export interface LinkInfo {
  readonly ifindex: number;
  readonly ifname: string;
  readonly up: boolean;
  /** The kernel sees a carrier (`LOWER_UP`): frames can leave and arrive. */
  readonly carrier: boolean;
  readonly mac: string | undefined;
  readonly kind: string | undefined;
}

interface IpLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  address?: string;
  linkinfo?: { info_kind?: string };
}

function toInfo(link: IpLink): LinkInfo {
  const flags = link.flags ?? [];
  return {
    ifindex: link.ifindex,
    ifname: link.ifname,
    up: flags.includes("UP"),
    carrier: flags.includes("LOWER_UP"),
    mac: link.address,
    kind: link.linkinfo?.info_kind,
  };
}

/**
 * A veth pair: `name` in namespace `ns` and `peer` created straight into namespace `peerNs`.
 *
 * @example
 * ```ts
 * await addVeth("host", "v-c1", "own6-c1", "eth0");
 * ```
 */
export async function addVeth(ns: string | undefined, name: string, peerNs: string, peer: string): Promise<void> {
  const args = [
    "link",
    "add",
    checkIfname(name),
    "type",
    "veth",
    "peer",
    "name",
    checkIfname(peer),
    "netns",
    checkNetns(peerNs),
  ];
  await ip(ns, args, `create veth ${name} in ${ns} with ${peer} in ${peerNs}`);
}

/**
 * The `ip` command that creates a macvlan in bridge mode on `parent`, straight into namespace
 * `targetNs` as `name`, for {@link addMacvlan} or a batch that does more in the same process.
 *
 * @example
 * ```ts
 * macvlanCommand("uplink0", "own6-c1", "eth0"); // ["link", "add", "eth0", "link", "uplink0", "netns", "own6-c1", ...]
 * ```
 */
export function macvlanCommand(parent: string, targetNs: string, name: string): string[] {
  const where = ["link", checkIfname(parent), "netns", checkNetns(targetNs)];
  return ["link", "add", checkIfname(name), ...where, "type", "macvlan", "mode", "bridge"];
}

/**
 * A macvlan in bridge mode on `parent` (in namespace `ns`), created straight into namespace
 * `targetNs` as `name`, so the container end never appears in the host's namespace.
 *
 * @example
 * ```ts
 * await addMacvlan("host", "uplink0", "own6-c1", "eth0");
 * ```
 */
export async function addMacvlan(
  ns: string | undefined,
  parent: string,
  targetNs: string,
  name: string,
): Promise<void> {
  await ip(ns, macvlanCommand(parent, targetNs, name), `create macvlan ${name} on ${parent} into ${targetNs}`);
}

/**
 * Brings a link up.
 *
 * @example
 * ```ts
 * await setLinkUp("own6-c1", "eth0");
 * ```
 */
export async function setLinkUp(ns: string | undefined, name: string): Promise<void> {
  await ip(ns, ["link", "set", checkIfname(name), "up"], `bring ${name} up in ${ns}`);
}

/**
 * Deletes a link (and a veth's peer with it). Missing is fine.
 *
 * @example
 * ```ts
 * await deleteLink("host", "v-c1");
 * ```
 */
export async function deleteLink(ns: string | undefined, name: string): Promise<void> {
  try {
    await ip(ns, ["link", "delete", checkIfname(name)], `delete ${name} in ${ns}`);
  } catch (e) {
    if (!(e instanceof NetlinkError && e.errno === "ENODEV")) throw e;
  }
}

/**
 * The link `name` in namespace `ns`, or undefined when there is none.
 *
 * @example
 * ```ts
 * (await getLink("own6-c1", "eth0"))?.carrier;
 * ```
 */
export async function getLink(ns: string | undefined, name: string): Promise<LinkInfo | undefined> {
  try {
    const [link] = await ipJson<IpLink[]>(
      ns,
      ["-d", "link", "show", "dev", checkIfname(name)],
      `show ${name} in ${ns}`,
    );
    return link && toInfo(link);
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === "ENODEV") return undefined;
    throw e;
  }
}

/**
 * The first link in what `ip -j link show` printed (alone or as the last command of a batch).
 *
 * @example
 * ```ts
 * parseLinkJson('[{"ifindex":3,"ifname":"eth0","flags":["UP","LOWER_UP"]}]')?.carrier; // true
 * ```
 */
export function parseLinkJson(out: string): LinkInfo | undefined {
  const [link] = JSON.parse(out.trim() || "[]") as IpLink[];
  return link && toInfo(link);
}

/**
 * Every link in namespace `ns`.
 *
 * @example
 * ```ts
 * (await listLinks("host")).map((l) => l.ifname);
 * ```
 */
export async function listLinks(ns: string | undefined): Promise<LinkInfo[]> {
  return (await ipJson<IpLink[]>(ns, ["-d", "link", "show"], `list links in ${ns}`)).map(toInfo);
}
