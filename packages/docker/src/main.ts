import type { Writable } from "node:stream";
import { Own6Error } from "@own6/core";
import { HELP, parseCommandLine, UsageError } from "./cli/options.js";
import { Daemon } from "./daemon.js";
import { createLogger } from "./log.js";
import { VERSION } from "./version.js";

/**
 * Where the command writes, and the signals that stop the daemon; the real process in production.
 *
 * @example
 * ```ts
 * const io: Io = { stdout: process.stdout, stderr: process.stderr, stopped: once(process, "SIGTERM") };
 * ```
 */
export interface Io {
  readonly stdout: Pick<Writable, "write">;
  readonly stderr: Pick<Writable, "write">;
  /** Resolves when the daemon should stop (SIGTERM or SIGINT in production). */
  readonly stopped: Promise<unknown>;
}

/**
 * Runs own6-docker and resolves with the exit status: 0 after a clean stop, 2 for bad
 * arguments (one line on stderr), 1 when the daemon cannot start.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stopped });
 * ```
 */
export async function main(argv: string[], io: Io): Promise<number> {
  let options: ReturnType<typeof parseCommandLine>;
  try {
    options = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`own6-docker: ${e.message}; see --help\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (options.version) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const log = createLogger(options.logLevel, options.name, io.stderr);
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      name: options.name,
      stateDir: options.stateDir,
      pluginDir: options.pluginDir,
      socketMode: options.socketMode,
      parent: options.parent,
      ...(options.store && { store: options.store }),
      dad: {
        dadTransmits: options.dadTransmits,
        retransTimeMs: options.dadRetransMs,
        routerSolicitationDelay: 0,
        optimistic: false,
      },
      metricsListen: options.metricsListen,
      log,
    });
  } catch (e) {
    const why = e instanceof Own6Error ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
    log.fatal({ err: e }, "cannot start");
    io.stderr.write(`own6-docker: cannot start: ${why}\n`);
    return 1;
  }
  await io.stopped;
  await daemon.close();
  return 0;
}
