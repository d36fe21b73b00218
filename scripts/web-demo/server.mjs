/**
 * The web demo (`npm run demo -- --web`, `longrunning demo --web` in a clone of the
 * repository): a page that follows a handful of scripted operations live with
 * `longrunning-client/browser`.
 *
 * - The embedded Operations server with its HTTP/JSON front-end on 127.0.0.1:0 (origin A;
 *   its CORS answers any origin).
 * - A static site on another 127.0.0.1:0 port (origin B): the page (`index.html`), the
 *   browser entry bundled at start with esbuild (`/client.js`, from `dist/browser.js`:
 *   build first), the page's script (`page.mjs`), and `POST /start`, which scripts a
 *   fresh set of operations on the server and answers their names and the server's URL.
 *   Every load of the page starts its own set, so a reload replays the demo.
 *
 * It is a repository demo, not shipped in the package: esbuild is a devDependency.
 * `scripts/test-browser.mjs` drives it in headless Chromium and takes docs/web-demo.png.
 * Loopback only: nothing here opens a connection to another host.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

process.env.METADATA_SERVER_DETECTION = 'none';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'browser.js');

/** The Code numbers the scripted failure uses (google.rpc.Code). */
const RESOURCE_EXHAUSTED = 8;

/**
 * The scripted operations of one run of the page: exports at different speeds, one
 * that fails with a Status and its details, a long one, and one that runs until the
 * user cancels it. Metadata is a Struct `{ progressPercent, stage }`.
 */
function jobs(types, run) {
  const struct = (value) => types.pack('google.protobuf.Struct', value);
  const steps = (count, everyMs, percentOf, stage) =>
    Array.from({ length: count }, (_, i) => ({ afterMs: everyMs, metadata: struct({ progressPercent: percentOf(i + 1), stage }) }));
  const prefix = `operations/run-${run}`;
  return [
    {
      name: `${prefix}/export-orders`, title: 'Export orders to CSV',
      steps: [...steps(10, 300, (i) => i * 10, 'EXPORTING'),
        { afterMs: 100, done: true, response: struct({ rows: 12_000, destination: 'gs://demo/orders.csv' }) }],
    },
    {
      name: `${prefix}/export-customers`, title: 'Export customers to Parquet',
      steps: [...steps(8, 350, (i) => i * 5, 'READING'), ...steps(12, 350, (i) => 40 + i * 5, 'WRITING'),
        { afterMs: 100, done: true, response: struct({ rows: 98_000, destination: 'gs://demo/customers.parquet' }) }],
    },
    {
      name: `${prefix}/reindex-search`, title: 'Rebuild the search index',
      steps: [...steps(7, 350, (i) => i * 5, 'INDEXING'), {
        afterMs: 350,
        error: {
          code: RESOURCE_EXHAUSTED, message: 'disk quota exhausted on the index volume',
          details: [types.pack('google.rpc.ErrorInfo', { reason: 'DISK_QUOTA_EXCEEDED', domain: 'demo.example.com' })],
        },
      }],
    },
    {
      name: `${prefix}/backup-warehouse`, title: 'Back up the warehouse',
      steps: [...steps(50, 800, (i) => i * 2, 'COPYING'), { afterMs: 100, done: true, response: struct({ snapshots: 50 }) }],
    },
    {
      // Never finishes by itself (it stalls at 98%): the cancel button ends it.
      name: `${prefix}/scan-archive`, title: 'Scan the archive (cancel me)',
      steps: steps(49, 500, (i) => i * 2, 'SCANNING'),
    },
  ];
}

/** Bundles the browser entry as a web app would: one minified ESM file for the browser. */
async function bundleBrowserEntry() {
  if (!existsSync(ENTRY)) throw new Error(`${path.relative(ROOT, ENTRY)} is missing; run \`npm run build\` first.`);
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    entryPoints: [ENTRY], bundle: true, minify: true, platform: 'browser', format: 'esm', target: 'es2022',
    write: false, logLevel: 'silent',
  });
  return built.outputFiles[0].text;
}

/** Reads a request body, at most 1 KiB (the page sends an empty one). */
function drain(request) {
  return new Promise((resolve, reject) => {
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > 1024) request.destroy(new Error('request body too large'));
    });
    request.on('end', resolve);
    request.on('error', reject);
  });
}

/**
 * Starts the embedded server and the page's site, both on 127.0.0.1:0.
 *
 * @returns {Promise<{ url: string, serverUrl: string, stop: () => Promise<void> }>}
 *   `url` is the page; `stop()` closes both servers (idempotent).
 */
export async function startWebDemo() {
  const [bundle, page, html] = await Promise.all([
    bundleBrowserEntry(),
    readFile(path.join(HERE, 'page.mjs'), 'utf8'),
    readFile(path.join(HERE, 'index.html'), 'utf8'),
  ]);
  const { InMemoryOperationsServer } = await import(pathToFileURL(path.join(ROOT, 'dist', 'testing.js')).href);
  const { TypeRegistry } = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
  const types = TypeRegistry.empty();

  const operations = await InMemoryOperationsServer.start({ http: true });
  let runs = 0;
  const start = () => {
    runs++;
    const list = jobs(types, runs);
    for (const job of list) {
      operations.createOperation({ name: job.name });
      operations.script(job.name, job.steps);
    }
    return { baseUrl: operations.httpUrl, operations: list.map(({ name, title }) => ({ name, title })) };
  };

  const files = {
    '/': ['text/html; charset=utf-8', html],
    '/client.js': ['text/javascript', bundle],
    '/page.mjs': ['text/javascript', page],
    '/favicon.ico': ['image/x-icon', ''],
  };
  const site = http.createServer((request, response) => {
    const { pathname } = new URL(request.url, 'http://127.0.0.1');
    if (pathname === '/start' && request.method === 'POST') {
      drain(request).then(
        () => response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(start())),
        () => response.writeHead(400).end(),
      );
      return;
    }
    const file = request.method === 'GET' ? files[pathname] : undefined;
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  try {
    await new Promise((resolve, reject) => {
      site.once('error', reject);
      site.listen(0, '127.0.0.1', resolve);
    });
  } catch (error) {
    await operations.stop();
    throw error;
  }

  let stopped;
  return {
    url: `http://127.0.0.1:${site.address().port}/`,
    serverUrl: operations.httpUrl,
    stop: () => {
      stopped ??= (async () => {
        // The page may hold a keep-alive connection: closeAllConnections() lets close() finish.
        const closed = new Promise((resolve) => site.close(resolve));
        site.closeAllConnections();
        await Promise.all([closed, operations.stop()]);
      })();
      return stopped;
    },
  };
}
