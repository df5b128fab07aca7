import { InvalidNameError } from "./errors.js";

// Every name that reaches a command line or a path is checked here first, so a container ID or
// interface name from a plugin request can never become an option, a path step or a glob.

const NETNS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$/;

/**
 * Returns `name` if it is a safe network namespace name (letters, digits, `_`, `.`, `-`, 1 to 64
 * characters, starting with a letter or digit), else throws.
 *
 * @example
 * ```ts
 * checkNetns("own6-c1"); // "own6-c1"
 * ```
 */
export function checkNetns(name: string): string {
  if (!NETNS.test(name)) {
    throw new InvalidNameError(
      "network namespace",
      name,
      "use 1-64 letters, digits, _ . -, starting with a letter or digit",
    );
  }
  return name;
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
