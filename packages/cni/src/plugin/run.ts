import { type CniEnv, commandOf, readEnv, requireEnv } from "../spec/env.js";
import { errorObject } from "../spec/errors.js";
import { checkConfVersion, declaredVersion, decodeNetConf, type NetConf } from "../spec/netconf.js";
import { type CniResult, formatResult } from "../spec/result.js";
import { CURRENT_VERSION, isSupportedVersion, SUPPORTED_VERSIONS } from "../spec/version.js";
import type { SqliteConnections } from "../store/connections.js";
import { toCniError } from "./failure.js";
import { createLogger, type Logger, logLevelOf } from "./log.js";

/**
 * Where a plugin reads and writes: the process in production, buffers in tests.
 *
 * @example
 * ```ts
 * const io: PluginIo = { env: process.env, readStdin: () => readFileSync(0, "utf8"), stdout: process.stdout, stderr: process.stderr };
 * ```
 */
export interface PluginIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin: () => string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Lease databases kept open between calls (own6-cnid); without it each call opens and closes its own. */
  readonly connections?: SqliteConnections;
}

/**
 * One checked invocation: the environment, the network configuration, and a logger that tags
 * every line with the command, network, container and interface.
 *
 * @example
 * ```ts
 * const owner = ownerOf(request.env.containerId, request.env.ifname);
 * ```
 */
export interface PluginRequest {
  readonly env: CniEnv;
  readonly conf: NetConf;
  readonly log: Logger;
  /** Passed on to {@link Reservations.open}. */
  readonly connections?: SqliteConnections | undefined;
}

/**
 * What a plugin does per command; the runner does the rest of the protocol (environment,
 * versions, result shapes, the error object).
 *
 * @example
 * ```ts
 * const exit = await runPlugin(ipamPlugin, io);
 * ```
 */
export interface CniPlugin {
  /** The executable's name, as logs show it. */
  readonly name: string;
  /** Printed on stderr when CNI_COMMAND is unset, as Go plugins do. */
  readonly about: string;
  add(request: PluginRequest): Promise<CniResult>;
  del(request: PluginRequest): Promise<void>;
  check(request: PluginRequest): Promise<void>;
  gc(request: PluginRequest): Promise<void>;
  status(request: PluginRequest): Promise<void>;
}

/**
 * Runs one CNI invocation of `plugin` and returns the exit status: 0 with the result (ADD) or
 * nothing (the other commands) on stdout, or 1 with exactly one error object on stdout. Logs go
 * to stderr as JSON lines. Checks run in the Go reference library's order: CNI_COMMAND, required
 * variables (4), JSON (6), network name (7), container id and interface name (4), version (1).
 *
 * @example
 * ```ts
 * process.exitCode = await runPlugin(ipamPlugin, { env: process.env, readStdin, stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runPlugin(plugin: CniPlugin, io: PluginIo): Promise<number> {
  const base = createLogger(io.stderr, logLevelOf(io.env.OWN6_LOG_LEVEL), { plugin: plugin.name });
  let version = CURRENT_VERSION;
  let log = base;
  try {
    const command = commandOf(io.env);
    if (command === undefined) {
      io.stderr.write(`${plugin.about}\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(", ")}\n`);
      return 0;
    }
    const stdin = io.readStdin();
    const declared = declaredVersion(stdin);
    if (declared !== undefined && isSupportedVersion(declared)) version = declared;
    if (command === "VERSION") {
      io.stdout.write(`${JSON.stringify({ cniVersion: version, supportedVersions: SUPPORTED_VERSIONS })}\n`);
      return 0;
    }
    requireEnv(io.env, command);
    const conf = decodeNetConf(stdin);
    const env = readEnv(io.env, command);
    checkConfVersion(conf, command);
    log = base.child({ command, network: conf.name, containerId: env.containerId, ifname: env.ifname });
    const started = performance.now();
    const request = { env, conf, log, connections: io.connections };
    if (command === "ADD") {
      const result = formatResult(await plugin.add(request), conf.cniVersion);
      io.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      await dispatch(plugin, command, request);
    }
    log.info(`${command} done`, { elapsedMs: Math.round(performance.now() - started) });
    return 0;
  } catch (e) {
    const error = toCniError(e);
    const stack = error.cniCode === 999 && e instanceof Error ? { stack: e.stack } : {};
    log.error(error.message, { code: error.cniCode, details: error.details, ...stack });
    io.stdout.write(`${JSON.stringify(errorObject(error, version))}\n`);
    return 1;
  }
}

function dispatch(plugin: CniPlugin, command: "DEL" | "CHECK" | "GC" | "STATUS", request: PluginRequest) {
  switch (command) {
    case "DEL":
      return plugin.del(request);
    case "CHECK":
      return plugin.check(request);
    case "GC":
      return plugin.gc(request);
    case "STATUS":
      return plugin.status(request);
  }
}
