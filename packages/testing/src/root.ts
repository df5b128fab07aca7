import { describe } from "vitest";

/**
 * `describe` for tests that need root. Without root they skip with a clear message; under CI
 * (CI=true), where everything runs as root, a missing privilege fails instead of hiding a skip.
 */
export function describeAsRoot(name: string, body: () => void): void {
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    describe(name, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(name, () => {
      throw new Error(`"${name}" needs root, and CI=true forbids skipping it: run the tests as root`);
    });
    return;
  }
  console.warn(`skipping "${name}": it needs root (network namespaces); run as root to include it`);
  describe.skip(name, body);
}
