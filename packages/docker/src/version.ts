/**
 * The plugin's version, kept equal to packages/docker/package.json (a test checks).
 *
 * @example
 * ```ts
 * console.log(`own6-docker ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
