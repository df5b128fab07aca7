// The CNI specification versions own6 speaks, and the gates the Go reference library applies to
// them (cni.md §1.1): CHECK from 0.4.0, GC and STATUS from 1.1.0.

/**
 * Every CNI specification version both plugins accept in a configuration and answer in.
 *
 * @example
 * ```ts
 * SUPPORTED_VERSIONS.includes("1.0.0"); // true
 * ```
 */
export const SUPPORTED_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

/**
 * The newest version own6 implements; VERSION answers with it when the input names none it knows.
 *
 * @example
 * ```ts
 * CURRENT_VERSION; // "1.1.0"
 * ```
 */
export const CURRENT_VERSION = "1.1.0";

/**
 * The version a configuration without `cniVersion` is read as (the Go library's rule).
 *
 * @example
 * ```ts
 * LEGACY_VERSION; // "0.1.0"
 * ```
 */
export const LEGACY_VERSION = "0.1.0";

/**
 * Compares two `major.minor.patch` versions numerically: negative, 0 or positive.
 *
 * @example
 * ```ts
 * compareVersions("0.4.0", "1.0.0") < 0; // true
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether own6 speaks `version`.
 *
 * @example
 * ```ts
 * isSupportedVersion("9.9.9"); // false
 * ```
 */
export function isSupportedVersion(version: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/**
 * Whether `version` is at least `minimum`.
 *
 * @example
 * ```ts
 * versionAtLeast("1.0.0", "0.4.0"); // true
 * ```
 */
export function versionAtLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}
