import { isAbsolute } from "node:path";
import { Own6Error } from "@own6/core";
import { createLogger, logLevelOf } from "../plugin/log.js";
import { DEFAULT_SOCKET } from "./protocol.js";
import { CniDaemon } from "./server.js";

const HELP = `own6-cnid: the resident own6 CNI service

Usage: own6-cnid [--socket PATH]

  --socket PATH   where to listen (default ${DEFAULT_SOCKET}); clients find it through
                  OWN6_CNI_SOCKET, or the same default
  -h, --help      this text

Runs until SIGTERM or SIGINT. Logs JSON lines on stderr (OWN6_LOG_LEVEL=debug logs every call).
`;

// sun_path holds 108 bytes with the terminating NUL.
const MAX_SOCKET_PATH = 107;

/**
 * Where own6-cnid reads its settings and writes, and what stops it; the process in production.
 *
 * @example
 * ```ts
 * const io: DaemonIo = { env: process.env, stdout: process.stdout, stderr: process.stderr, stopped: once(process, "SIGTERM") };
 * ```
 */
export interface DaemonIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the daemon should stop (SIGTERM or SIGINT in production). */
  readonly stopped: Promise<unknown>;
}

/**
 * The own6-cnid executable: serves CNI calls on the socket until `io.stopped`, and resolves
 * with the exit status: 0 after a clean stop, 2 for bad arguments, 1 when it cannot start
 * (another daemon serves the socket).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stopped });
 * ```
 */
export async function main(argv: readonly string[], io: DaemonIo): Promise<number> {
  const parsed = parseArguments(argv);
  if (parsed === "help") {
    io.stdout.write(HELP);
    return 0;
  }
  if (typeof parsed === "string") {
    io.stderr.write(`own6-cnid: ${parsed}; see --help\n`);
    return 2;
  }
  const log = createLogger(io.stderr, logLevelOf(io.env.OWN6_LOG_LEVEL), { plugin: "own6-cnid" });
  let daemon: CniDaemon;
  try {
    daemon = await CniDaemon.start({ socket: parsed.socket, log });
  } catch (e) {
    const why = e instanceof Own6Error ? `${e.message} [${e.code}]` : String(e);
    log.error("cannot start", { error: why });
    return 1;
  }
  await io.stopped;
  await daemon.close();
  return 0;
}

/** The options, "help", or what is wrong with the arguments. */
function parseArguments(argv: readonly string[]): { socket: string } | string {
  let socket = DEFAULT_SOCKET;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--socket" || arg.startsWith("--socket=")) {
      const value = arg === "--socket" ? argv[++i] : arg.slice("--socket=".length);
      if (value === undefined) return "--socket needs a path";
      socket = value;
      continue;
    }
    return `unknown argument ${JSON.stringify(arg)}`;
  }
  if (!isAbsolute(socket) || socket.includes("\0") || socket.split("/").includes("..")) {
    return `--socket must be an absolute path without .., not ${JSON.stringify(socket)}`;
  }
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) return `--socket is longer than ${MAX_SOCKET_PATH} bytes`;
  return { socket };
}
