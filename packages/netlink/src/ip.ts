import { execFile } from "node:child_process";
import { errnoOf, NetlinkError } from "./errors.js";
import { checkNetns, isNetnsPath } from "./names.js";

// own6 drives the kernel through iproute2 (linux.md §1.4): a Debian package, no native addon,
// `-n` enters namespaces without a helper process, its JSON is stable and DAD-aware, and a
// failure is an exit status rather than a process abort. Spawning costs ~10 ms, small next to
// DAD, and `-batch` folds many commands into one spawn.

const MAX_PARALLEL = 16;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Runs a program with an argument array (never through a shell) and resolves with its stdout;
 * a non-zero exit becomes a {@link NetlinkError} naming `operation` and the errno.
 *
 * @example
 * ```ts
 * await exec("ip", ["-n", "ns1", "link", "set", "eth0", "up"], "bring eth0 up in ns1");
 * ```
 */
export function exec(program: string, args: readonly string[], operation: string, input?: string): Promise<string> {
  return slot(
    () =>
      new Promise((resolve, reject) => {
        const child = execFile(program, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const detail = (stderr || error.message).trim().split("\n").slice(-3).join("; ");
          const errno = (error as NodeJS.ErrnoException).code === "ENOENT" ? "ENOENT" : errnoOf(detail);
          reject(new NetlinkError(operation, errno, detail));
        });
        if (input !== undefined) child.stdin?.end(input);
      }),
  );
}

/**
 * Runs `ip` (inside namespace `ns` when given: `ip -n` for a name, nsenter for a path) and
 * resolves with its stdout.
 *
 * @example
 * ```ts
 * await ip("ns1", ["-6", "addr", "add", "2001:db8::1/64", "dev", "eth0"], "add address");
 * ```
 */
export function ip(ns: string | undefined, args: readonly string[], operation: string): Promise<string> {
  const [program, argv] = ipCommand(ns, args);
  return exec(program, argv, operation);
}

/**
 * The program and arguments that run `ip args` inside namespace `ns`: `ip -n NAME` for a name
 * under /run/netns, `nsenter --net=PATH -- ip` for a path (iproute2's `-n` takes names only),
 * plain `ip` for the caller's namespace.
 *
 * @example
 * ```ts
 * ipCommand("/proc/42/ns/net", ["link"]); // ["nsenter", ["--net=/proc/42/ns/net", "--", "ip", "link"]]
 * ```
 */
export function ipCommand(ns: string | undefined, args: readonly string[]): [string, string[]] {
  if (ns === undefined) return ["ip", [...args]];
  if (isNetnsPath(checkNetns(ns))) return ["nsenter", [`--net=${ns}`, "--", "ip", ...args]];
  return ["ip", ["-n", ns, ...args]];
}

/**
 * Runs `ip -json` and parses its output.
 *
 * @example
 * ```ts
 * const links = await ipJson<{ ifname: string }[]>("ns1", ["link", "show"], "list links");
 * ```
 */
export async function ipJson<T>(ns: string | undefined, args: readonly string[], operation: string): Promise<T> {
  const out = await ip(ns, ["-j", ...args], operation);
  return JSON.parse(out.trim() || "[]") as T;
}

/**
 * Runs several `ip -6` commands in one process (`ip -6 -batch -`), inside `ns` when given. Each
 * command is an argument array; the arrays are joined with spaces, so every argument must be a
 * checked name, an address or a keyword, never free text.
 *
 * @example
 * ```ts
 * await ipBatch("ns1", [["link", "set", "lo", "up"], ["link", "set", "eth0", "up"]], "bring links up");
 * ```
 */
export function ipBatch(
  ns: string | undefined,
  commands: readonly (readonly string[])[],
  operation: string,
): Promise<string> {
  for (const command of commands) {
    if (command.some((arg) => /[\s"'\\#]/.test(arg) || arg === "")) {
      throw new NetlinkError(operation, "EINVAL", `unsafe batch argument in: ${command.join(" ")}`);
    }
  }
  // Batch lines take no options, so `-6` (own6 is IPv6-only) is given once for all of them.
  const input = `${commands.map((c) => c.join(" ")).join("\n")}\n`;
  const [program, argv] = ipCommand(ns, ["-6", "-batch", "-"]);
  return exec(program, argv, operation, input);
}
