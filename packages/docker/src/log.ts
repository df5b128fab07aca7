import { type DestinationStream, type Logger, pino } from "pino";

/**
 * The levels `--log-level` accepts.
 *
 * @example
 * ```ts
 * LOG_LEVELS.includes("debug"); // true
 * ```
 */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * The daemon's structured logger: one JSON object per line on `destination` (stderr in the
 * daemon, which systemd's journal keeps), with the plugin's name on every line.
 *
 * @example
 * ```ts
 * const log = createLogger("info", "own6", process.stderr);
 * log.info({ network: id }, "network created");
 * ```
 */
export function createLogger(
  level: (typeof LOG_LEVELS)[number],
  plugin: string,
  destination: DestinationStream,
): Logger {
  return pino({ level, base: { name: "own6-docker", plugin }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
