import { NetlinkError } from "./errors.js";
import { exec, ip, ipJson } from "./ip.js";
import { checkNetns, netnsPath } from "./names.js";

/**
 * Creates the network namespace `name` (under /run/netns) and brings its loopback up.
 *
 * @example
 * ```ts
 * await addNetns("own6-c1");
 * ```
 */
export async function addNetns(name: string): Promise<void> {
  await ip(undefined, ["netns", "add", checkNetns(name)], `create network namespace ${name}`);
  await ip(name, ["link", "set", "lo", "up"], `bring lo up in ${name}`);
}

/**
 * Deletes the network namespace `name`, and with it every link inside. Missing is fine.
 *
 * @example
 * ```ts
 * await deleteNetns("own6-c1");
 * ```
 */
export async function deleteNetns(name: string): Promise<void> {
  try {
    await ip(undefined, ["netns", "delete", checkNetns(name)], `delete network namespace ${name}`);
  } catch (e) {
    if (!(e instanceof NetlinkError && e.errno === "ENOENT")) throw e;
  }
}

/**
 * The names of the network namespaces under /run/netns.
 *
 * @example
 * ```ts
 * (await listNetns()).includes("own6-c1");
 * ```
 */
export async function listNetns(): Promise<string[]> {
  const list = await ipJson<{ name: string }[]>(undefined, ["netns", "list"], "list network namespaces");
  return list.map((n) => n.name);
}

/**
 * Gives namespace `peer` the id `nsid` as seen from namespace `ns`, so that events from `peer`
 * reach a monitor running in `ns` tagged with that id.
 *
 * @example
 * ```ts
 * await setNsid("host", "own6-c1", 7);
 * ```
 */
export async function setNsid(ns: string | undefined, peer: string, nsid: number): Promise<void> {
  await ip(ns, ["netns", "set", checkNetns(peer), String(nsid)], `set nsid ${nsid} for ${peer} in ${ns}`);
}

/**
 * The ids namespace `ns` has given other namespaces, by name.
 *
 * @example
 * ```ts
 * (await listNsids("host")).get("own6-c1"); // 7
 * ```
 */
export async function listNsids(ns: string | undefined): Promise<Map<string, number>> {
  const out = await ip(ns, ["netns", "list-id"], `list nsids in ${ns}`);
  const ids = new Map<string, number>();
  for (const match of out.matchAll(/^nsid (\d+) \(iproute2 netns name: (\S+)\)$/gm)) {
    if (match[1] && match[2]) ids.set(match[2], Number(match[1]));
  }
  return ids;
}

/**
 * Runs a program inside namespace `ns` with an argument array and resolves with its stdout.
 *
 * @example
 * ```ts
 * await execIn("own6-c1", "sysctl", ["-n", "net.ipv6.conf.all.forwarding"]);
 * ```
 */
export function execIn(
  ns: string | undefined,
  program: string,
  args: readonly string[],
  operation?: string,
): Promise<string> {
  const what = operation ?? `run ${program} in ${ns ?? "the host namespace"}`;
  if (ns === undefined) return exec(program, args, what);
  return exec("nsenter", [`--net=${netnsPath(ns)}`, "--", program, ...args], what);
}
