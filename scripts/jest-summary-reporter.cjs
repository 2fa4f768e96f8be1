// Prints the plain closing line CI reads ("Tests: N passed, N failed") as the
// very last line (at process exit, after jest's own summary), so a run's
// count is never judged by its exit code alone.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${tail}\n`;
    // stdout is synchronous for files and pipes on Linux, so this is not lost at exit.
    process.once('exit', () => process.stdout.write(line));
  }
}
module.exports = SummaryReporter;
