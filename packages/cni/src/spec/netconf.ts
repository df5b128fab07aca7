import { type CniCommand, checkNetworkName } from "./env.js";
import { CNI_CODES, CniError } from "./errors.js";
import { isSupportedVersion, LEGACY_VERSION, SUPPORTED_VERSIONS, versionAtLeast } from "./version.js";

/**
 * A JSON object as parsed from the runtime: the plugin reads what it knows and passes the rest by.
 *
 * @example
 * ```ts
 * const section: JsonObject = { type: "own6-ipam", prefix: "2001:db8:1::/64" };
 * ```
 */
export type JsonObject = { readonly [key: string]: unknown };

/**
 * The network configuration on stdin, with the two keys every command needs checked.
 *
 * @example
 * ```ts
 * const conf = parseNetConf('{"cniVersion":"1.0.0","name":"n","ipam":{}}', "ADD");
 * conf.raw.ipam; // {}
 * ```
 */
export interface NetConf {
  /** The whole object, unknown keys included. */
  readonly raw: JsonObject;
  /** The configuration's version; `0.1.0` when it names none (the Go library's rule). */
  readonly cniVersion: string;
  readonly name: string;
}

/**
 * Whether `value` is a plain JSON object (not an array, not null).
 *
 * @example
 * ```ts
 * isJsonObject([]); // false
 * ```
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The version stdin names, for VERSION's answer and for error objects: undefined when stdin is
 * not a JSON object or names no string version.
 *
 * @example
 * ```ts
 * declaredVersion('{"cniVersion":"0.4.0"}'); // "0.4.0"
 * ```
 */
export function declaredVersion(stdin: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(stdin);
    return isJsonObject(parsed) && typeof parsed.cniVersion === "string" ? parsed.cniVersion : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes stdin, in the Go library's order: JSON (code 6), then the network name (7). The
 * version is checked separately ({@link checkConfVersion}), after the environment.
 *
 * @throws {@link CniError} codes 6, 7.
 * @example
 * ```ts
 * decodeNetConf('{"cniVersion":"1.0.0","name":"n"}').name; // "n"
 * ```
 */
export function decodeNetConf(stdin: string): NetConf {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(CNI_CODES.decode, `decoding the network configuration failed: ${(e as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw new CniError(CNI_CODES.decode, "the network configuration is not a JSON object");
  const version = parsed.cniVersion ?? LEGACY_VERSION;
  if (typeof version !== "string") throw new CniError(CNI_CODES.decode, "cniVersion must be a string");
  return { raw: parsed, cniVersion: version, name: checkNetworkName(parsed.name) };
}

/**
 * Checks that own6 speaks the configuration's version, and that the version allows `command`
 * (CHECK from 0.4.0, GC and STATUS from 1.1.0).
 *
 * @throws {@link CniError} code 1.
 * @example
 * ```ts
 * checkConfVersion(decodeNetConf('{"cniVersion":"9.9.9","name":"n"}'), "ADD"); // throws: incompatible CNI versions
 * ```
 */
export function checkConfVersion(conf: NetConf, command: CniCommand): void {
  const version = conf.cniVersion;
  if (!isSupportedVersion(version)) {
    throw new CniError(
      CNI_CODES.incompatibleVersion,
      "incompatible CNI versions",
      `config is ${JSON.stringify(version)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
  const minimum = command === "CHECK" ? "0.4.0" : command === "GC" || command === "STATUS" ? "1.1.0" : LEGACY_VERSION;
  if (!versionAtLeast(version, minimum)) {
    throw new CniError(CNI_CODES.incompatibleVersion, `config version does not allow ${command}`, `needs ${minimum}`);
  }
}
