import { checkIfname, checkNetns } from "@own6/netlink";
import { CNI_CODES, CniError } from "./errors.js";

/**
 * The operations of CNI 1.1.0 (VERSION included).
 *
 * @example
 * ```ts
 * const command: CniCommand = "ADD";
 * ```
 */
export type CniCommand = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";

const COMMANDS: readonly CniCommand[] = ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"];

/** The variables each command needs; CNI_NETNS is optional for DEL (the namespace may be gone). */
const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  DEL: ["CNI_CONTAINERID", "CNI_IFNAME"],
  CHECK: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"],
  GC: [],
  STATUS: [],
  VERSION: [],
};

/** Container ids and network names, as the Go reference library allows them. */
const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_IFNAME_BYTES = 15;
// Go's unicode.IsSpace: the Latin-1 spaces plus the Unicode White_Space property.
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\p{White_Space}]/u;

/**
 * What the runtime says through the environment, checked. Values a command does not need are
 * empty strings.
 *
 * @example
 * ```ts
 * const env = readEnv(process.env); // throws CniError 4 when something is missing or invalid
 * env.command; // "ADD"
 * ```
 */
export interface CniEnv {
  readonly command: CniCommand;
  readonly containerId: string;
  /** A namespace path (or name); empty when not given (DEL after the namespace vanished). */
  readonly netns: string;
  readonly ifname: string;
  readonly args: CniArgs;
  /** CNI_PATH split at `:`. */
  readonly path: readonly string[];
}

/**
 * The CNI_ARGS keys own6 understands. Kubernetes' keys are accepted (and logged); `IP` asks for a
 * fixed address, which own6 does not hand out.
 *
 * @example
 * ```ts
 * parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=web").values.get("K8S_POD_NAME"); // "web"
 * ```
 */
export interface CniArgs {
  readonly values: ReadonlyMap<string, string>;
}

const KNOWN_ARGS = new Set([
  "IgnoreUnknown",
  "K8S_POD_NAMESPACE",
  "K8S_POD_NAME",
  "K8S_POD_INFRA_CONTAINER_ID",
  "K8S_POD_UID",
]);

/**
 * The command named by CNI_COMMAND, or undefined when it is unset or empty (the caller then prints
 * the plugin's "about" line, as Go plugins do).
 *
 * @throws {@link CniError} code 4 for an unknown command.
 * @example
 * ```ts
 * commandOf({ CNI_COMMAND: "VERSION" }); // "VERSION"
 * ```
 */
export function commandOf(env: Readonly<Record<string, string | undefined>>): CniCommand | undefined {
  const value = env.CNI_COMMAND;
  if (value === undefined || value === "") return undefined;
  const command = COMMANDS.find((c) => c === value);
  if (!command) throw new CniError(CNI_CODES.invalidEnvironment, `unknown CNI_COMMAND: ${value}`);
  return command;
}

/**
 * Checks that every variable `command` needs is set (non-empty), naming all missing ones at once.
 *
 * @throws {@link CniError} code 4.
 * @example
 * ```ts
 * requireEnv({ CNI_COMMAND: "ADD" }, "ADD"); // throws: required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing
 * ```
 */
export function requireEnv(env: Readonly<Record<string, string | undefined>>, command: CniCommand): void {
  const missing = REQUIRED[command].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new CniError(CNI_CODES.invalidEnvironment, `required env variables [${missing.join(",")}] missing`);
  }
}

/**
 * Reads and checks the environment for `command`: every missing variable is named at once, and
 * container id, interface name and namespace follow the Go reference library's rules (plus the
 * characters own6 lets reach a command line).
 *
 * @throws {@link CniError} code 4 (missing or invalid variables), 2 (`IP` in CNI_ARGS).
 * @example
 * ```ts
 * readEnv({ CNI_COMMAND: "DEL", CNI_CONTAINERID: "c1", CNI_IFNAME: "eth0" }, "DEL").netns; // ""
 * ```
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>, command: CniCommand): CniEnv {
  requireEnv(env, command);
  const needsContainer = REQUIRED[command].length > 0;
  const containerId = needsContainer ? checkContainerId(env.CNI_CONTAINERID ?? "") : "";
  const ifname = needsContainer ? checkInterfaceName(env.CNI_IFNAME ?? "") : "";
  const netns = needsContainer ? checkNetnsVar(env.CNI_NETNS ?? "") : "";
  const args = needsContainer ? parseCniArgs(env.CNI_ARGS ?? "") : { values: new Map<string, string>() };
  const path = (env.CNI_PATH ?? "").split(":").filter((p) => p !== "");
  return { command, containerId, netns, ifname, args, path };
}

/**
 * Returns `id` if it is a valid container id (`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`).
 *
 * @throws {@link CniError} code 4.
 * @example
 * ```ts
 * checkContainerId("-x"); // throws: invalid characters in containerID
 * ```
 */
export function checkContainerId(id: string): string {
  if (!CNI_NAME.test(id)) {
    throw new CniError(CNI_CODES.invalidEnvironment, "invalid characters in containerID", id);
  }
  return id;
}

/**
 * Returns `name` if it is a valid network name (the same pattern as container ids).
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * checkNetworkName("own6-net"); // "own6-net"
 * ```
 */
export function checkNetworkName(name: unknown): string {
  if (name === undefined || name === "") throw new CniError(CNI_CODES.invalidConfig, "missing network name");
  if (typeof name !== "string" || !CNI_NAME.test(name)) {
    throw new CniError(CNI_CODES.invalidConfig, "invalid characters found in network name", String(name));
  }
  return name;
}

/**
 * Returns `name` if the Go library accepts it as CNI_IFNAME (1-15 bytes, not `.` or `..`, no
 * `/`, `:` or white space) and it is safe on an `ip` command line (letters, digits, `_ . @ -`,
 * not starting with `.` or `-`).
 *
 * @throws {@link CniError} code 4.
 * @example
 * ```ts
 * checkInterfaceName("eth0"); // "eth0"
 * ```
 */
export function checkInterfaceName(name: string): string {
  const bad = (why: string) => new CniError(CNI_CODES.invalidEnvironment, why, `CNI_IFNAME=${JSON.stringify(name)}`);
  if (name.length === 0) throw bad("interface name is empty");
  if (Buffer.byteLength(name) > MAX_IFNAME_BYTES) throw bad("interface name is too long");
  if (name === "." || name === "..") throw bad("interface name is . or ..");
  if (/[/:]/.test(name) || GO_SPACE.test(name)) throw bad("interface name contains / or : or whitespace characters");
  try {
    return checkIfname(name);
  } catch (e) {
    throw bad(`interface name is not one own6 can pass to ip: ${(e as Error).message}`);
  }
}

function checkNetnsVar(netns: string): string {
  if (netns === "") return "";
  try {
    return checkNetns(netns);
  } catch (e) {
    throw new CniError(CNI_CODES.invalidEnvironment, `invalid CNI_NETNS: ${(e as Error).message}`);
  }
}

/**
 * Parses CNI_ARGS (`K=V;K2=V2`) as the Go library's LoadArgs does: keys other than Kubernetes'
 * are refused unless `IgnoreUnknown` is `1` or `true`. `IP` (a fixed address) is refused always,
 * since own6 derives every address.
 *
 * @throws {@link CniError} code 4 (malformed, unknown keys), 2 (`IP`).
 * @example
 * ```ts
 * parseCniArgs("FOO=bar"); // throws: CNI_ARGS: unknown args ["FOO=bar"]
 * ```
 */
export function parseCniArgs(text: string): CniArgs {
  const values = new Map<string, string>();
  const pairs = text === "" ? [] : text.split(";");
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CniError(CNI_CODES.invalidEnvironment, `CNI_ARGS: invalid pair ${JSON.stringify(pair)}`);
    values.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const ignoreUnknown = parseGoBool(values.get("IgnoreUnknown"));
  if (values.has("IP")) {
    throw new CniError(
      CNI_CODES.unsupportedField,
      `CNI_ARGS IP=${values.get("IP")}: own6 derives addresses and does not hand out requested ones`,
    );
  }
  const unknown = pairs.filter((p) => !KNOWN_ARGS.has(p.slice(0, p.indexOf("="))));
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new CniError(CNI_CODES.invalidEnvironment, `CNI_ARGS: unknown args ${JSON.stringify(unknown)}`);
  }
  return { values };
}

function parseGoBool(value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower === "1" || lower === "true") return true;
  if (lower === "0" || lower === "false") return false;
  throw new CniError(CNI_CODES.invalidEnvironment, `CNI_ARGS: IgnoreUnknown=${value} is not a boolean`);
}
