import { InvalidNameError } from "./errors.js";

// Every name that reaches a command line or a path is checked here first, so a container ID or
// interface name from a plugin request can never become an option, a path step or a glob.

const NETNS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NETNS_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$/;

/**
 * Returns `name` if it is a safe network namespace reference, else throws: either a name under
 * /run/netns (letters, digits, `_`, `.`, `-`, 1 to 64 characters, starting with a letter or
 * digit) or an absolute path to a namespace file, as CNI runtimes pass them
 * (`/var/run/netns/cni-1234`, `/proc/42/ns/net`), without `.` or `..` steps.
 *
 * @example
 * ```ts
 * checkNetns("own6-c1"); // "own6-c1"
 * checkNetns("/proc/42/ns/net"); // "/proc/42/ns/net"
 * ```
 */
export function checkNetns(name: string): string {
  const isPath = NETNS_PATH.test(name) && name.length <= 4096 && !name.split("/").some((s) => s === "." || s === "..");
  if (!NETNS.test(name) && !isPath) {
    throw new InvalidNameError(
      "network namespace",
      name,
      "use a name of 1-64 letters, digits, _ . - starting with a letter or digit, or an absolute path without . or ..",
    );
  }
  return name;
}

/**
 * Whether a checked namespace reference is a path (entered with nsenter) rather than a name
 * under /run/netns.
 *
 * @example
 * ```ts
 * isNetnsPath("/proc/42/ns/net"); // true
 * ```
 */
export function isNetnsPath(ns: string): boolean {
  return ns.startsWith("/");
}

/**
 * Returns `name` if it is a valid Linux interface name (1 to 15 characters, no `/`, `:`, white
 * space, and not `.` or `..`), else throws.
 *
 * @example
 * ```ts
 * checkIfname("eth0"); // "eth0"
 * ```
 */
export function checkIfname(name: string): string {
  if (!IFNAME.test(name) || name === "." || name === "..") {
    throw new InvalidNameError("interface name", name, "use 1-15 letters, digits, _ . @ -, not starting with . or -");
  }
  return name;
}

/**
 * The file of namespace `ns`: a path as given, a name under /run/netns, where iproute2 keeps them.
 *
 * @example
 * ```ts
 * netnsPath("own6-c1"); // "/run/netns/own6-c1"
 * ```
 */
export function netnsPath(ns: string): string {
  return isNetnsPath(checkNetns(ns)) ? ns : `/run/netns/${ns}`;
}
