#!/usr/bin/env node
/**
 * `npm run check:bundle`: the browser entry's bundle budget, enforced.
 *
 * Bundles `dist/browser.js` (`longrunning-client/browser`, built by `npm run build`) with
 * esbuild as a web app would (minified, tree-shaken, platform browser, ESM) twice:
 *
 * - the whole entry (every export kept): the budget applies to this, the upper bound;
 * - "the job": a page that polls one operation to its result (`client.operation(name).promise()`),
 *   to compare with google-gax's browser fallback doing the same (gax's `lro()`
 *   operations client, `getOperation`, then `operation(...).promise()`).
 *
 * Fails (exit 1) when the entry's bundle holds a forbidden module (@grpc/*, google-gax,
 * google-auth-library, gaxios, gcp-metadata, any `node:` import or Node built-in) or is
 * over the size budget. Node built-ins are never resolved: each import of one is
 * recorded (and, for gax, left out of its size: a web app would need polyfills on top).
 *
 * Prints min and min+gzip (node:zlib, level 9) sizes and the comparison; `--json` prints
 * them as JSON. Loopback only: nothing here touches the network.
 */
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'dist', 'browser.js');

/**
 * The budget, set from measurement (docs/performance.md, "Browser bundle"): the whole
 * entry measured 199.6 KB minified, 62.6 KB gzipped; about 10% of headroom over that,
 * so a real regression (a new dependency, a Node module) fails and a small feature
 * does not.
 */
const BUDGET = { minBytes: 220 * 1024, gzipBytes: 70 * 1024 };

/** Modules that must never reach the browser bundle (paths inside node_modules). */
const FORBIDDEN_PACKAGES = /(^|\/)node_modules\/(@grpc\/|google-gax\/|google-auth-library\/|gaxios\/|gcp-metadata\/)/;

const AGAIN = Symbol('resolve as esbuild would');
/** The namespace of modules a package's `browser` field maps to `false`. */
const DISABLED = 'disabled-by-browser-field';

/**
 * An esbuild plugin that keeps Node built-ins out of the bundle and records who imported
 * them. A package's `browser` field that maps a built-in away (protobufjs: `"fs": false`)
 * is honoured first, as every bundler does: only what a browser build cannot resolve counts.
 */
function nodeBuiltins(found) {
  return {
    name: 'node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === AGAIN || args.kind === 'entry-point') return undefined;
        if (!(args.path.startsWith('node:') || isBuiltin(args.path))) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: AGAIN,
        });
        if (resolved.errors.length === 0) {
          // `"fs": false` resolves to no file: an empty module, as esbuild itself would make.
          return resolved.namespace === 'file' ? resolved : { path: args.path, namespace: DISABLED };
        }
        found.push({ module: args.path, importer: path.relative(ROOT, args.importer) });
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: DISABLED }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

/** Bundles `contents` (an ESM module resolved from the repository) and measures it. */
async function bundle(contents) {
  const builtins = [];
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'entry.mjs', loader: 'js' },
    bundle: true,
    minify: true,
    treeShaking: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [nodeBuiltins(builtins)],
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs);
  return {
    minBytes: code.byteLength,
    gzipBytes: zlib.gzipSync(code, { level: 9 }).byteLength,
    builtins,
    forbidden: inputs.map(([file]) => file).filter((file) => FORBIDDEN_PACKAGES.test(file)),
    byPackage: sizeByPackage(inputs),
  };
}

/** The package a bundled file belongs to, `(ours)` for the repository's own files. */
function packageOf(file) {
  if (!file.includes('node_modules/')) return '(ours)';
  const inside = file.split('node_modules/').at(-1);
  return inside.split('/').slice(0, inside.startsWith('@') ? 2 : 1).join('/');
}

/** Items grouped by key, each group's values in order. */
function groupBy(items, key, value) {
  const groups = new Map();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), value(item)]);
  return groups;
}

/** Bytes in the output per package. */
function sizeByPackage(inputs) {
  const sizes = new Map();
  for (const [file, { bytesInOutput }] of inputs) sizes.set(packageOf(file), (sizes.get(packageOf(file)) ?? 0) + bytesInOutput);
  return Object.fromEntries([...sizes].sort((a, b) => b[1] - a[1]));
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const OURS_JOB = `
import { OperationsClient } from ${JSON.stringify(ENTRY)};
export function waitFor(name, token) {
  const client = new OperationsClient({
    baseUrl: 'https://example.googleapis.com',
    auth: { getRequestHeaders: async () => ({ authorization: 'Bearer ' + token }) },
  });
  return client.operation(name).promise();
}
`;

const GAX_JOB = `
import { GrpcClient, lro, operation, LongrunningDescriptor, createDefaultBackoffSettings } from 'google-gax/fallback';
export async function waitFor(name, token) {
  const auth = { getRequestHeaders: async () => ({ authorization: 'Bearer ' + token }) };
  const grpc = new GrpcClient({ auth, fallback: true });
  const operations = lro({ auth, grpc, fallback: true, protocol: 'https', servicePath: 'example.googleapis.com', port: 443 })
    .operationsClient({});
  const [raw] = await operations.getOperation({ name });
  const descriptor = new LongrunningDescriptor(operations, (bytes) => bytes, (bytes) => bytes);
  const [response] = await operation(raw, descriptor, createDefaultBackoffSettings()).promise();
  return response;
}
`;

async function main() {
  if (!existsSync(ENTRY)) {
    console.error(`check:bundle: ${path.relative(ROOT, ENTRY)} is missing; run \`npm run build\` first.`);
    return 1;
  }
  const entry = await bundle(`export * from ${JSON.stringify(ENTRY)};`);
  const job = await bundle(OURS_JOB);
  const gax = await bundle(GAX_JOB);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ budget: BUDGET, entry, job, gax: { ...gax, builtins: [...new Set(gax.builtins.map((b) => b.module))] } }, null, 2));
  }

  const failures = [];
  for (const [module, importers] of groupBy(entry.builtins, (b) => b.module, (b) => b.importer)) {
    failures.push(`Node built-in "${module}" imported by ${importers[0]}${importers.length > 1 ? ` and ${importers.length - 1} more` : ''}`);
  }
  for (const [pkg, files] of groupBy(entry.forbidden, (file) => packageOf(file), (file) => file)) {
    failures.push(`forbidden package in the bundle: ${pkg} (${files.length} files, e.g. ${files[0]})`);
  }
  if (entry.minBytes > BUDGET.minBytes) failures.push(`minified size ${kb(entry.minBytes)} is over the budget of ${kb(BUDGET.minBytes)}`);
  if (entry.gzipBytes > BUDGET.gzipBytes) failures.push(`min+gzip size ${kb(entry.gzipBytes)} is over the budget of ${kb(BUDGET.gzipBytes)}`);

  const gaxBuiltins = [...new Set(gax.builtins.map((b) => b.module))].sort();
  const rows = [
    ['longrunning-client/browser, whole entry', entry],
    ['longrunning-client/browser, poll one operation', job],
    ['google-gax/fallback, poll one operation', gax],
  ];
  console.log('Browser bundle (esbuild, minified, tree-shaken, platform browser, ESM):');
  for (const [label, size] of rows) console.log(`  ${label.padEnd(48)} ${kb(size.minBytes).padStart(9)} min  ${kb(size.gzipBytes).padStart(8)} min+gzip`);
  console.log(`  budget (whole entry)${' '.repeat(28)} ${kb(BUDGET.minBytes).padStart(9)} min  ${kb(BUDGET.gzipBytes).padStart(8)} min+gzip`);
  console.log(`  the same job: ours is ${(100 * job.gzipBytes / gax.gzipBytes).toFixed(0)}% of gax's min+gzip ` +
    `(gax also needs polyfills for ${gaxBuiltins.length} Node built-ins, not counted: ${gaxBuiltins.join(', ')})`);
  console.log(`  whole entry by package: ${Object.entries(entry.byPackage).map(([name, bytes]) => `${name} ${kb(bytes)}`).join(', ')}`);
  if (failures.length > 0) {
    console.error(`check:bundle FAILED (${ENTRY}):`);
    for (const failure of failures) console.error(`  - ${failure}`);
    return 1;
  }
  console.log('check:bundle passed: no forbidden module, within budget.');
  return 0;
}

process.exitCode = await main();
