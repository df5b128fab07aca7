import { defineConfig, type Options } from "tsup";

// Each plugin is one file (and own6-cnid, the resident daemon serving both, another): a runtime
// starts a fresh process per CNI call, so the cold path should load one module, not a tree
// (@own6/sqlite's own build would load a second, unbundled copy of @own6/core: 20-40 ms). The workspace packages are bundled from source. Only
// better-sqlite3 stays outside, because it finds its native addon relative to its own files; it
// is imported from where @own6/sqlite's dependency on it is installed. @own6/etcd stays outside
// too (a dependency, so tsup leaves it external): it is imported dynamically, only when a
// network's `store` says etcd, from its own build with etcd3 and gRPC beside it, so the default
// SQLite path never loads them.
const betterSqlite: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "better-sqlite3-beside-own6-sqlite",
  setup(build) {
    build.onResolve({ filter: /^better-sqlite3$/ }, () => ({
      path: "../../sqlite/node_modules/better-sqlite3/lib/index.js",
      external: true,
    }));
  },
};

export default defineConfig({
  entry: { ipam: "src/ipam/main.ts", cni: "src/cni/main.ts", cnid: "src/daemon/main.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  splitting: false,
  target: "node20",
  noExternal: ["@own6/core", "@own6/netlink", "@own6/socket", "@own6/sqlite"],
  esbuildPlugins: [betterSqlite],
  esbuildOptions(options) {
    options.conditions = ["@own6/source"];
  },
});
