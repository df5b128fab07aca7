import { defineConfig } from "vitest/config";

// "@own6/source" makes workspace packages resolve to their TypeScript sources, so tests need no
// build step and always test the code in the tree.
const conditions = ["@own6/source", "import", "node", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    // Lab tests build real topologies and run DAD on a 100 ms timer; two at once on a 2-core
    // machine starve each other's neighbours of CPU. One file at a time keeps them honest.
    fileParallelism: false,
    reporters: ["default", "./scripts/summary-reporter.ts"],
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
