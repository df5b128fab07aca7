import { type ExecFileException, execFile } from "node:child_process";
import { errnoOf, NetlinkError } from "./errors.js";
import { netnsPath } from "./names.js";

// own6 drives the kernel through iproute2 (linux.md §1.4): a Debian package, no native addon,
// its JSON is stable and DAD-aware, and a failure is an exit status rather than a process abort.
// A process costs a few milliseconds of CPU, so `-batch` folds many commands into one.

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

/** How a program ended: its output, and the error when it failed to start or exited non-zero. */
export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly error: ExecFileException | null;
}

/**
 * Runs a program with an argument array (never through a shell), feeding it `input`, and
 * resolves with how it ended, failure included.
 *
 * @example
 * ```ts
 * const { error, stderr } = await run("ip", ["-force", "-batch", "-"], "link set lo up\n");
 * ```
 */
export function run(program: string, args: readonly string[], input?: string): Promise<Ran> {
  return slot(
    () =>
      new Promise((resolve) => {
        const child = execFile(program, args, { maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
          resolve({ stdout, stderr, error }),
        );
        if (input !== undefined) child.stdin?.end(input);
      }),
  );
}

/**
 * Runs a program with an argument array (never through a shell) and resolves with its stdout;
 * a non-zero exit becomes a {@link NetlinkError} naming `operation` and the errno.
 *
 * @example
 * ```ts
 * await exec("sysctl", ["-n", "net.ipv6.conf.all.forwarding"], "read forwarding");
 * ```
 */
export async function exec(
  program: string,
  args: readonly string[],
  operation: string,
  input?: string,
): Promise<string> {
  const { stdout, stderr, error } = await run(program, args, input);
  if (!error) return stdout;
  const detail = (stderr || error.message).trim().split("\n").slice(-3).join("; ");
  throw new NetlinkError(operation, error.code === "ENOENT" ? "ENOENT" : errnoOf(detail), detail);
}

/**
 * Runs `ip` (inside namespace `ns` when given, a name or a path; see {@link ipCommand}) and
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
 * The program and arguments that run `ip args` inside namespace `ns` (a name under /run/netns or
 * a path): `nsenter --net=PATH -- ip`, or plain `ip` for the caller's namespace.
 *
 * @example
 * ```ts
 * ipCommand("own6-c1", ["link"]); // ["nsenter", ["--net=/run/netns/own6-c1", "--", "ip", "link"]]
 * ```
 */
export function ipCommand(ns: string | undefined, args: readonly string[]): [string, string[]] {
  // Not `ip -n NAME`: iproute2 then also unshares the mount namespace and remounts /sys, which
  // copies and later tears down every mount, one per namespace under /run/netns. With a
  // thousand containers that was about as much CPU as the work itself (docs/performance.md).
  if (ns === undefined) return ["ip", [...args]];
  return ["nsenter", [`--net=${netnsPath(ns)}`, "--", "ip", ...args]];
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
 * One line of an `ip -batch` script. iproute2 splits lines at white space and reads quotes and
 * `#` itself, so an argument holding any of them is refused rather than passed on misread.
 *
 * @example
 * ```ts
 * batchLine(["link", "set", "eth0", "up"], "bring eth0 up"); // "link set eth0 up"
 * ```
 */
export function batchLine(command: readonly string[], operation: string): string {
  if (command.some((arg) => /[\s"'\\#]/.test(arg) || arg === "")) {
    throw new NetlinkError(operation, "EINVAL", `unsafe batch argument in: ${command.join(" ")}`);
  }
  return command.join(" ");
}

/** How {@link ipBatch} runs. */
export interface IpBatchOptions {
  /** Print what the commands show as JSON (`-j`), as {@link ipJson} does. */
  readonly json?: boolean;
}

/**
 * Runs several `ip -6` commands in one process (`ip -6 -batch -`), inside `ns` when given, and
 * stops at the first that fails. Each command is an argument array; the arrays are joined with
 * spaces, so every argument must be a checked name, an address or a keyword, never free text.
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
  options: IpBatchOptions = {},
): Promise<string> {
  // Batch lines take no options, so `-6` (own6 is IPv6-only) is given once for all of them.
  const input = `${commands.map((c) => batchLine(c, operation)).join("\n")}\n`;
  const [program, argv] = ipCommand(ns, ["-6", ...(options.json ? ["-j"] : []), "-batch", "-"]);
  return exec(program, argv, operation, input);
}
