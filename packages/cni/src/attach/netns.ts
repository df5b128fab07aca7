import { existsSync } from "node:fs";
import { isNetnsPath } from "@own6/netlink";

/**
 * Whether the namespace a CNI_NETNS (a path, or a name under /run/netns) points at still
 * exists; after a reboot or a crashed runtime it may not.
 *
 * @example
 * ```ts
 * if (netnsExists(env.netns)) await deleteLink(env.netns, env.ifname);
 * ```
 */
export function netnsExists(netns: string): boolean {
  if (netns === "") return false;
  return existsSync(isNetnsPath(netns) ? netns : `/run/netns/${netns}`);
}
