import type { Reporter, TestModule } from "vitest/node";

// Ends every run with one plain "tests: N passed, N failed, N skipped" line, which CI reads
// whatever the runner. Under CI=true a skipped test fails the run: a skip there means a test
// that should have run (root, a tool) did not.
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
    }
    console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    if (process.env.CI === "true" && counts.skipped > 0) {
      console.error(`CI=true: ${counts.skipped} skipped test(s) count as failures`);
      process.exitCode = 1;
    }
  }
}
