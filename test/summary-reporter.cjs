// Mocha's spec reporter, plus a machine-readable summary of the real run in
// test-results/summary.json (read by .ci/run to print "N passed, M failed").
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = path.resolve(process.env.MOCHA_SUMMARY_FILE || 'test-results/summary.json');
    let failedTests = [];
    runner.on('fail', (test, error) => {
      failedTests.push({ title: test.fullTitle(), error: String(error && error.message) });
    });
    runner.once('end', () => {
      const { passes, failures, pending, tests, duration } = this.stats;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending, tests, duration, failedTests }, null, 2));
    });
  }
}

module.exports = SpecWithSummary;
