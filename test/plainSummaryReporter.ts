import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, which any CI can read
 * without knowing vitest's own summary format. Errors outside any test (a failed `beforeAll`, an
 * unhandled rejection) leave their tests skipped, so they are counted on the same line.
 */
export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    let errors = unhandledErrors.length;
    for (const testModule of testModules) {
      errors += testModule.errors().length;
      for (const suite of testModule.children.allSuites()) errors += suite.errors().length;
      for (const testCase of testModule.children.allTests()) {
        const state = testCase.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    const outside = errors > 0 ? `, ${errors} errors outside tests` : '';
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${outside}\n`,
    );
  }
}
