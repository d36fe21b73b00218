/**
 * The package works where `@opentelemetry/api` is not installed (an optional peer
 * dependency): a child process in which it cannot be resolved runs a client over both
 * transports. `npm run test:no-otel` runs the whole suite that way (docs/observability.md).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHILD_DEADLINE_MS } from '../helpers/children.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('without @opentelemetry/api installed', () => {
  it('a client waits, retries and lists over both transports, with telemetry off', async function () {
    this.timeout(CHILD_DEADLINE_MS + 10_000);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [
        '--import', 'tsx', '--import', path.join(here, '..', 'helpers', 'hide-opentelemetry.mjs'),
        path.join(here, '..', 'helpers', 'no-opentelemetry-child.ts'),
      ], {
        // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage.
        env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
        timeout: CHILD_DEADLINE_MS,
      }, (error, out, stderr) => (error ? reject(new Error(`child failed: ${error.message}\n${out}\n${stderr}`)) : resolve(out)));
    });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(seen).to.deep.equal({
      apiImport: 'ERR_MODULE_NOT_FOUND',
      grpc: { done: true, listed: 1 },
      http: { done: true, listed: 2 },
      found: false,
    });
  });
});
