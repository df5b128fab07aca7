/**
 * How much a plugin writes to stderr; `OWN6_LOG_LEVEL` chooses, `info` by default.
 *
 * @example
 * ```ts
 * const level: LogLevel = "debug";
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Structured logs: one JSON object per line on stderr, never on stdout (stdout carries only the
 * result or the error object). Fields are plain values; the RFC 7217 secret is never passed here.
 *
 * @example
 * ```ts
 * log.info("address reserved", { address: "2001:db8::5", dadCounter: 0 });
 * ```
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/**
 * The level named by `text` (case-insensitive), or `info` for anything else.
 *
 * @example
 * ```ts
 * logLevelOf(process.env.OWN6_LOG_LEVEL); // "info" when unset
 * ```
 */
export function logLevelOf(text: string | undefined): LogLevel {
  const lower = text?.toLowerCase();
  return lower === "debug" || lower === "warn" || lower === "error" ? lower : "info";
}

/**
 * A logger writing JSON lines to `stream` at `level` and above, each with `base`'s fields.
 *
 * @example
 * ```ts
 * const log = createLogger(process.stderr, "info", { plugin: "own6-ipam" });
 * ```
 */
export function createLogger(
  stream: { write(text: string): unknown },
  level: LogLevel,
  base: Record<string, unknown> = {},
): Logger {
  const write = (at: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level: at, ...base, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(stream, level, { ...base, ...fields }),
  };
}
