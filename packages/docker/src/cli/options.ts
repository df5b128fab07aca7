import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Own6Error } from "@own6/core";
import { parseStoreConfig, type StoreConfig } from "@own6/etcd";
import { LOG_LEVELS } from "../log.js";

/**
 * Bad command-line input: one line on stderr, exit status 2.
 *
 * @example
 * ```ts
 * throw new UsageError("--socket-mode takes 0600 or 0660");
 * ```
 */
export class UsageError extends Own6Error {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/**
 * The help text of `own6-docker --help`.
 *
 * @example
 * ```ts
 * process.stdout.write(HELP);
 * ```
 */
export const HELP = `own6-docker: Docker network and IPAM plugin that gives every container its own
globally routable IPv6 address from the host's Router Advertisement prefix, proven unique by DAD.

Usage: own6-docker [options]

Options:
  --name NAME          plugin name (default own6): Docker finds it as <plugin-dir>/NAME.sock,
                       networks use -d NAME --ipam-driver NAME
  --state-dir DIR      leases, state and the RFC 7217 secret (default /var/lib/own6/docker/NAME)
  --plugin-dir DIR     where Docker looks for plugin sockets (default /run/docker/plugins)
  --parent IF          uplink for networks created without --subnet or --ipam-opt parent=IF
                       (default: the one link with a prefix learned from Router Advertisements)
  --socket-mode MODE   0600 (default) or 0660
  --store FILE         the lease store, a JSON file: {"type":"etcd","endpoints":[...],...} to share
                       leases with other hosts through etcd (default: SQLite in --state-dir)
  --dad-transmits N    Neighbor Solicitations per DAD check (default 1; 0 skips DAD)
  --dad-retrans-ms MS  wait after each solicitation (default 1000)
  --metrics-listen H:P also serve Prometheus metrics over TCP, e.g. [::1]:9464
                       (GET /metrics on the plugin socket always works)
  --log-level LEVEL    ${LOG_LEVELS.join(", ")} (default info)
  -h, --help           this text
  -V, --version        the version

Then: docker network create -d own6 --ipam-driver own6 --ipv6 -o parent=eth0 -o mode=routed net6
(mode macvlan or routed; --subnet P to use P instead of the RA prefix; Docker 28+: add --ipv4=false)
`;

/**
 * What the command line asks for.
 *
 * @example
 * ```ts
 * const { name, stateDir }: CommandLine = parseCommandLine(process.argv.slice(2));
 * ```
 */
export interface CommandLine {
  readonly help: boolean;
  readonly version: boolean;
  readonly name: string;
  readonly stateDir: string;
  readonly pluginDir: string;
  readonly parent: string | undefined;
  readonly socketMode: number;
  /** The lease store `--store` names; undefined: SQLite in the state directory. */
  readonly store: StoreConfig | undefined;
  readonly dadTransmits: number;
  readonly dadRetransMs: number;
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** Plugin names end up in a socket path and in namespace names: keep them plain. */
const NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,14}$/;

/**
 * Parses own6-docker's arguments.
 *
 * @throws {@link UsageError} for anything it cannot use.
 * @example
 * ```ts
 * parseCommandLine(["--name", "own6", "--log-level", "debug"]).logLevel; // "debug"
 * ```
 */
export function parseCommandLine(argv: string[]): CommandLine {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (e) {
    throw new UsageError(e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e));
  }
  const name = values.name ?? "own6";
  if (!NAME.test(name))
    throw new UsageError(`--name ${JSON.stringify(name)}: use 1-40 of a-z 0-9 _ . -, starting with a letter or digit`);
  if (values.parent !== undefined && !IFNAME.test(values.parent))
    throw new UsageError(`--parent ${JSON.stringify(values.parent)} is not an interface name`);
  const logLevel = values["log-level"] ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new UsageError(`--log-level takes ${LOG_LEVELS.join(", ")}`);
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    name,
    stateDir: values["state-dir"] ?? `/var/lib/own6/docker/${name}`,
    pluginDir: values["plugin-dir"] ?? "/run/docker/plugins",
    parent: values.parent,
    socketMode: socketMode(values["socket-mode"]),
    store: storeFile(values.store),
    dadTransmits: count(values["dad-transmits"], "--dad-transmits", 1, 10),
    dadRetransMs: count(values["dad-retrans-ms"], "--dad-retrans-ms", 1000, 60_000),
    metricsListen: hostPort(values["metrics-listen"]),
    logLevel: logLevel as (typeof LOG_LEVELS)[number],
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      name: { type: "string" },
      "state-dir": { type: "string" },
      "plugin-dir": { type: "string" },
      parent: { type: "string" },
      "socket-mode": { type: "string" },
      store: { type: "string" },
      "dad-transmits": { type: "string" },
      "dad-retrans-ms": { type: "string" },
      "metrics-listen": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  }).values;
}

function socketMode(text: string | undefined): number {
  if (text === undefined || text === "0600" || text === "600") return 0o600;
  if (text === "0660" || text === "660") return 0o660;
  throw new UsageError("--socket-mode takes 0600 or 0660");
}

function storeFile(file: string | undefined): StoreConfig | undefined {
  if (file === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const why = e instanceof SyntaxError ? `is not JSON (${e.message})` : `cannot be read (${(e as Error).message})`;
    throw new UsageError(`--store ${file} ${why}`);
  }
  try {
    return parseStoreConfig(json, "store");
  } catch (e) {
    throw new UsageError(`--store ${file}: ${(e as Error).message}`);
  }
}

function count(text: string | undefined, flag: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) > max)
    throw new UsageError(`${flag} takes a whole number up to ${max}, not "${text}"`);
  return Number(text);
}

function hostPort(text: string | undefined): { host: string; port: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !(port > 0 && port < 65536))
    throw new UsageError(`--metrics-listen takes HOST:PORT or [IPv6]:PORT, not "${text}"`);
  return { host: m[1] ?? m[2] ?? "", port };
}
