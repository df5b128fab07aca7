import { Own6Error } from "@own6/core";

// iproute2 reports errors as text; these are the kernel errnos behind the messages it prints.
const ERRNO_BY_MESSAGE: [RegExp, string][] = [
  [/File exists|address already assigned/i, "EEXIST"],
  [/No such device|Cannot find device|does not exist/i, "ENODEV"],
  [/Operation not permitted/i, "EPERM"],
  [/Permission denied/i, "EACCES"],
  [/No such file or directory|No such process/i, "ENOENT"],
  [/Invalid argument/i, "EINVAL"],
  [/Device or resource busy/i, "EBUSY"],
  [/Cannot assign requested address/i, "EADDRNOTAVAIL"],
  [/Network is unreachable/i, "ENETUNREACH"],
  [/Address family not supported/i, "EAFNOSUPPORT"],
  [/Operation not supported|not supported/i, "EOPNOTSUPP"],
];

/** The errno name iproute2's message stands for, or `EUNKNOWN`. */
export function errnoOf(stderr: string): string {
  return ERRNO_BY_MESSAGE.find(([pattern]) => pattern.test(stderr))?.[1] ?? "EUNKNOWN";
}

/**
 * A Linux operation failed. `operation` names what own6 tried (`add address`), `errno` the
 * kernel's reason (`EEXIST`), and `detail` what the tool printed.
 *
 * @example
 * ```ts
 * try {
 *   await addAddress(ns, "eth0", address, 64);
 * } catch (e) {
 *   if (e instanceof NetlinkError && e.errno === "EEXIST") {
 *     // already there
 *   }
 * }
 * ```
 */
export class NetlinkError extends Own6Error {
  /** What own6 was doing, such as `add address 2001:db8::1/64 on eth0 in ns1`. */
  readonly operation: string;
  /** The errno name, such as `EEXIST` or `ENODEV`; `EUNKNOWN` if the tool did not say. */
  readonly errno: string;
  /** The tool's own message. */
  readonly detail: string;

  constructor(operation: string, errno: string, detail: string) {
    super("NETLINK_FAILED", `${operation} failed: ${errno}${detail ? ` (${detail})` : ""}`);
    this.operation = operation;
    this.errno = errno;
    this.detail = detail;
  }
}

/**
 * A namespace, interface or other name that must not reach a command line: empty, too long, or
 * with characters the kernel or a path would misread.
 *
 * @example
 * ```ts
 * checkIfname("eth0/../x"); // throws InvalidNameError, code NAME_INVALID
 * ```
 */
export class InvalidNameError extends Own6Error {
  constructor(kind: string, name: string, rule: string) {
    super("NAME_INVALID", `${kind} ${JSON.stringify(name)} is not valid: ${rule}`);
  }
}

/**
 * No Router Advertisement prefix arrived on a link in time: the router is silent, `accept_ra`
 * is off, or (with forwarding on) `accept_ra` is not 2.
 *
 * @example
 * ```ts
 * await waitForPrefixes("host", "uplink0", 20_000); // may throw PrefixNotLearnedError, code PREFIX_NOT_LEARNED
 * ```
 */
export class PrefixNotLearnedError extends Own6Error {
  constructor(ifname: string, ns: string | undefined, timeoutMs: number) {
    super(
      "PREFIX_NOT_LEARNED",
      `no Router Advertisement prefix on ${ifname} in ${ns ?? "the host namespace"} after ${timeoutMs} ms; check the router, and accept_ra (2 when forwarding)`,
    );
  }
}
