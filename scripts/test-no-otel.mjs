#!/usr/bin/env node
/**
 * `npm run test:no-otel`: the mocha run as if `@opentelemetry/api` (an optional peer
 * dependency) were not installed. `test/helpers/hide-opentelemetry.mjs` is loaded
 * through NODE_OPTIONS, so mocha and every child process a test starts (examples, CLI,
 * benchmarks) fail to resolve `@opentelemetry/*`, exactly as in an app without it.
 * The one test file that needs the SDK (`test/integration/opentelemetry.test.ts`) is
 * left out; the examples test expects the OpenTelemetry example to fail on its import
 * (`LONGRUNNING_TEST_HIDE_OTEL=1`). Extra arguments go to mocha.
 *
 * The other way to show it, by really uninstalling: `npm uninstall --no-save
 * @opentelemetry/api @opentelemetry/sdk-trace-base @opentelemetry/context-async-hooks
 * @opentelemetry/core && npm run test:only -- --ignore test/integration/opentelemetry.test.ts`
 * (then `npm ci` to restore). docs/observability.md.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HIDE = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'hide-opentelemetry.mjs')).href;

const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const child = spawn(process.execPath, [mocha, '--ignore', 'test/integration/opentelemetry.test.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${HIDE}`.trim(),
    LONGRUNNING_TEST_HIDE_OTEL: '1',
    METADATA_SERVER_DETECTION: 'none',
  },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
