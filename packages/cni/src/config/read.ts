import { CNI_CODES, CniError } from "../spec/errors.js";
import { isJsonObject, type JsonObject } from "../spec/netconf.js";

// Typed reads of configuration fields. Every failure is code 7 and names the field by its path
// (`ipam.dad.retransTimeMs`), so an operator can find it in the network configuration file.

/**
 * A configuration object and the path it sits at, for error messages.
 *
 * @example
 * ```ts
 * const ipam = section(conf.raw, "ipam");
 * const prefix = optionalString(ipam, "prefix");
 * ```
 */
export interface Section {
  readonly path: string;
  readonly value: JsonObject;
}

function invalid(path: string, want: string, value: unknown): CniError {
  return new CniError(CNI_CODES.invalidConfig, `${path} must be ${want}, not ${JSON.stringify(value)}`);
}

function at(section: Section, key: string): string {
  return section.path === "" ? key : `${section.path}.${key}`;
}

/**
 * The object under `key` (the top level when `key` is empty); missing is an error unless `optional`.
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * section(conf.raw, "ipam"); // { path: "ipam", value: {...} }
 * ```
 */
export function section(parent: JsonObject, key: string, optional = false): Section | undefined {
  if (key === "") return { path: "", value: parent };
  const value = parent[key];
  if (value === undefined && optional) return undefined;
  if (value === undefined) throw new CniError(CNI_CODES.invalidConfig, `the network configuration has no ${key} key`);
  if (!isJsonObject(value)) throw invalid(key, "an object", value);
  return { path: key, value };
}

/**
 * The nested object `key` of `parent`, or an empty one when absent.
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * const dad = child(ipam, "dad");
 * ```
 */
export function child(parent: Section, key: string): Section {
  const value = parent.value[key];
  if (value === undefined) return { path: at(parent, key), value: {} };
  if (!isJsonObject(value)) throw invalid(at(parent, key), "an object", value);
  return { path: at(parent, key), value };
}

/**
 * The string under `key`, or undefined when absent.
 *
 * @throws {@link CniError} code 7 for another type or an empty string.
 * @example
 * ```ts
 * optionalString(ipam, "dataDir") ?? "/var/lib/own6";
 * ```
 */
export function optionalString(s: Section, key: string): string | undefined {
  const value = s.value[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw invalid(at(s, key), "a non-empty string", value);
  return value;
}

/**
 * The boolean under `key`, or `fallback`.
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * optionalBoolean(dad, "enabled", true);
 * ```
 */
export function optionalBoolean(s: Section, key: string, fallback: boolean): boolean {
  const value = s.value[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(at(s, key), "true or false", value);
  return value;
}

/**
 * The integer under `key` within [min, max], or `fallback`.
 *
 * @throws {@link CniError} code 7.
 * @example
 * ```ts
 * optionalInteger(dad, "transmits", 1, 0, 10);
 * ```
 */
export function optionalInteger(s: Section, key: string, fallback: number, min: number, max: number): number {
  const value = s.value[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(at(s, key), `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * Rejects keys of `s` that are not in `known` (code 2, naming the key and its value), so a typo
 * in the plugin's own section does not pass silently.
 *
 * @throws {@link CniError} code 2.
 * @example
 * ```ts
 * rejectUnknown(ipam, ["type", "prefix", "uplink"]);
 * ```
 */
export function rejectUnknown(s: Section, known: readonly string[]): void {
  for (const [key, value] of Object.entries(s.value)) {
    if (!known.includes(key)) {
      throw new CniError(CNI_CODES.unsupportedField, `unsupported field ${at(s, key)}=${JSON.stringify(value)}`);
    }
  }
}
