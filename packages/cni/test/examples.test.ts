import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkConfVersion, cniConfig, compareVersions, decodeNetConf, ipamConfig } from "../src/index.js";

// The network configuration lists in examples/cni must be what the plugins accept: each plugin
// entry, with the list's name and version merged in as a runtime does, parses without error, and
// lists that use the Debian reference plugins stay at a version those accept (<= 1.0.0).

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "cni");
const REFERENCE_PLUGINS = new Set(["macvlan", "bridge", "ptp", "ipvlan"]);
const files = readdirSync(DIR).filter((f) => f.endsWith(".conflist"));

describe("examples/cni", () => {
  it("holds the configurations the docs describe", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)("%s is accepted by the plugins it names", (file) => {
    const list = JSON.parse(readFileSync(join(DIR, file), "utf8")) as {
      cniVersion: string;
      name: string;
      plugins: Record<string, unknown>[];
    };
    for (const plugin of list.plugins) {
      const conf = decodeNetConf(JSON.stringify({ cniVersion: list.cniVersion, name: list.name, ...plugin }));
      checkConfVersion(conf, "ADD");
      if (REFERENCE_PLUGINS.has(String(plugin.type)))
        expect(compareVersions(list.cniVersion, "1.0.0")).toBeLessThanOrEqual(0);
      if (plugin.type === "own6-cni") expect(cniConfig(conf).master).toBeTruthy();
      else expect(ipamConfig(conf).dataDir).toBe("/var/lib/own6");
    }
  });
});
