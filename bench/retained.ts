/**
 * `npm run bench:retained`: what a polling handle keeps alive between two polls.
 *
 * A fleet renews these objects at every poll and holds them through the pause, so
 * each survives the young-generation collections of those seconds: the collector
 * copies and promotes it before it dies. The fewer bytes a handle keeps per poll,
 * the shorter those collections (the `poll` fleet's event-loop delay, docs/performance.md).
 *
 * Method: N handles with the `poll` strategy and a fixed 1 s poll delay (±30% jitter)
 * against an embedded server in a child process (so the server's objects do not
 * count); two heap snapshots 2.5 s apart, so every handle has polled in between; the
 * objects of the second snapshot that the first did not have (snapshot object ids are
 * stable), by kind, per handle. Compiled code is left out (the JIT's, not the
 * handles'). The SDK measured is the built package (`dist/`, `npm run build` first).
 *
 *   npm run bench:retained                 2,000 handles
 *   npm run bench:retained -- --handles 500
 */
import type * as Sdk from '../src/index.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const { installLoopbackGuard } = await import('../test/helpers/loopback-guard.js');
installLoopbackGuard();

const { spawn } = await import('node:child_process');
const { readFile, rm } = await import('node:fs/promises');
const os = (await import('node:os')).default;
const path = (await import('node:path')).default;
const { pathToFileURL } = await import('node:url');
const v8 = (await import('node:v8')).default;
const { REPO_ROOT } = await import('./lib/machine.js');
const { benchTypes, PROGRESS_TYPE, RESULT_TYPE, smallProgress } = await import('./lib/payloads.js');
const { sleep } = await import('./lib/util.js');

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Object id -> [kind, self size] of every object of a heap snapshot. */
async function objectsOf(file: string): Promise<Map<number, [string, number]>> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, idAt, sizeAt] = ['type', 'name', 'id', 'self_size'].map((field) => fields.indexOf(field));
  const objects = new Map<number, [string, number]>();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]];
    if (type === 'code') continue;
    // Closures and objects by constructor name; the rest (arrays, strings, numbers...) by type.
    const kind = type === 'object' || type === 'closure' ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]] || '(anonymous)'}` : type;
    objects.set(snapshot.nodes[i + idAt], [kind, snapshot.nodes[i + sizeAt]]);
  }
  return objects;
}

/** The embedded server in a child process, with `handles` running operations. */
async function startServer(handles: number): Promise<{ address: string; names: string[]; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'lib', 'retained-server.ts'), String(handles)], {
    cwd: REPO_ROOT,
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.includes('\n')) resolve(buffered);
    });
    child.once('exit', (code) => reject(new Error(`the server process exited with code ${code}`)));
  });
  const { address, names } = JSON.parse(line) as { address: string; names: string[] };
  return { address, names, stop: () => child.stdin.end() };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--handles');
  const handles = at === -1 ? 2_000 : Number(process.argv[at + 1]);
  if (!Number.isInteger(handles) || handles < 1 || handles > 20_000) throw new Error(`--handles: expected 1-20000, got ${process.argv[at + 1]}`);
  const { OperationsClient, TypeRegistry } = (await import(pathToFileURL(path.join(REPO_ROOT, 'dist', 'index.js')).href)) as typeof Sdk;
  const server = await startServer(handles);
  const types = benchTypes();
  const client = new OperationsClient({ address: server.address, insecure: true, types: TypeRegistry.fromRoot(types.root) });
  const files = [path.join(os.tmpdir(), `retained-${process.pid}-1.heapsnapshot`), path.join(os.tmpdir(), `retained-${process.pid}-2.heapsnapshot`)];
  try {
    const polling = { strategy: 'poll' as const, initialDelayMs: 1_000, multiplier: 1, maxDelayMs: 1_000, jitter: 0.3 };
    const waits = server.names.map((name, i) => client
      .operation({ name, done: false, metadata: smallProgress(i % 100) }, { responseType: RESULT_TYPE, metadataType: PROGRESS_TYPE, polling })
      .promise()
      .catch(() => undefined)); // ended by close()
    await sleep(2_000); // every handle past its first polls, code compiled
    v8.writeHeapSnapshot(files[0]);
    await sleep(2_500);
    v8.writeHeapSnapshot(files[1]);
    await client.close();
    await Promise.all(waits);

    const before = await objectsOf(files[0]);
    const after = await objectsOf(files[1]);
    const byKind = new Map<string, { count: number; bytes: number }>();
    let total = 0;
    for (const [id, [kind, bytes]] of after) {
      if (before.has(id)) continue;
      const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += bytes;
      byKind.set(kind, entry);
      total += bytes;
    }
    console.log(`# Kept alive between two polls, per handle (${handles.toLocaleString('en-US')} handles, \`poll\`, 1 s delay)\n`);
    console.log(`Total: **${Math.round(total / handles).toLocaleString('en-US')} bytes** per handle.\n`);
    console.log('| kind | objects per handle | bytes per handle |\n|---|---|---|');
    for (const [kind, { count, bytes }] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 20)) {
      console.log(`| ${kind} | ${(count / handles).toFixed(2)} | ${Math.round(bytes / handles)} |`);
    }
  } finally {
    await client.close();
    server.stop();
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }
}

await main();
