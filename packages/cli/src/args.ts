import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./io.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** util.parseArgs with its errors turned into one-line usage errors. */
export function parseOptions<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split("\n")[0] : String(e));
  }
}

/** The value of a required string option, or a usage error naming it. */
export function required(value: string | undefined, flag: string, why: string): string {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required ${why}`);
  return value;
}

/** A non-negative integer option (such as --dad-counter), or a usage error. */
export function nonNegativeInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${flag} takes a whole number, not "${value}"`);
  return Number(value);
}
