import { defineConfig, type Options } from "tsup";

/**
 * The build of a library package: ESM with its type declarations, for Node 20 and the other
 * runtimes the core runs in. A package's tsup.config.ts names only its entries.
 */
export function libraryBuild(entry: Options["entry"] = ["src/index.ts"]) {
  return defineConfig({ entry, format: ["esm"], dts: true, clean: true, sourcemap: true, target: "es2022" });
}
