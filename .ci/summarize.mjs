// Reads vitest's JSON report and prints "N passed, N failed" (lint/typecheck failures count as failed).
import { existsSync, readFileSync } from 'node:fs';

const [file, lintStatus = '0', typecheckStatus = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (file && existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1; // a file that failed to load
  }
} else {
  failed += 1;
  console.log('no test report was written');
}
if (lintStatus !== '0') {
  failed += 1;
  console.log('lint failed');
}
if (typecheckStatus !== '0') {
  failed += 1;
  console.log('typecheck failed');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
