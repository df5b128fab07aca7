import { processIo } from "../plugin/io.js";
import { type PluginIo, runPlugin } from "../plugin/run.js";
import { cniPlugin } from "./plugin.js";

/**
 * The own6-cni executable: runs one CNI invocation and returns the exit status.
 *
 * @example
 * ```ts
 * process.exit(await main());
 * ```
 */
export function main(io: PluginIo = processIo()): Promise<number> {
  return runPlugin(cniPlugin, io);
}
