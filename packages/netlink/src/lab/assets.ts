import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The path of a file in this package's `lab/` folder. Walks up from this module to the package
 * root, so it works from the TypeScript sources and from the bundle in dist/ alike.
 */
export function labAsset(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "@own6/netlink") {
      return join(dir, "lab", name);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find @own6/netlink's lab/${name}`);
    dir = parent;
  }
}
