/**
 * The client side of the fleet benchmark, run in a child process of its own so that
 * its memory, CPU and event loop are measured without the server's (the parent's).
 * Waits on every operation the parent names with one client, and reports.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { OperationsClient, TypeRegistry, type ClientPollingOptions, type Operation } from '../../src/index.js';
import { REPO_ROOT } from './machine.js';
import { HTTP_FLEET_VARIANTS, type ChildMessage, type FleetChildConfig, type FleetChildResult, type MemorySample, type ParentMessage } from './fleet-protocol.js';
import {
  closeGax, closeGaxRest, createGaxOperationsClient, createGaxRestOperationsClient, gaxOperation, toGaxOperation,
  type GaxOperationsClient, type GaxRestOperationsClient,
} from './gax.js';
import { EMBEDDED_WAIT_RULES } from './http-rules.js';
import { benchTypes, PROGRESS_TYPE, RESULT_TYPE, smallProgress, type JobProgress, type JobResult } from './payloads.js';
import { collectGarbage, withTimeout } from './util.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function nextMessage(): Promise<ParentMessage> {
  return new Promise((resolve) => process.once('message', (message) => resolve(message as ParentMessage)));
}

function memory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** The waiting side of one client flavour. */
interface Waiter {
  warmUp(): Promise<void>;
  wait(operation: Operation): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The SDK the fleet measures: the built package (`dist/`, what users run), so the
 * numbers are not those of tsx's on-the-fly transform (which wraps every closure it
 * creates in a naming helper: CPU and memory per closure that no user pays).
 * BENCH_FLEET_SOURCE=1 measures `src/` through tsx instead.
 */
async function sdk(): Promise<{ OperationsClient: typeof OperationsClient; TypeRegistry: typeof TypeRegistry }> {
  if (process.env.BENCH_FLEET_SOURCE === '1') return { OperationsClient, TypeRegistry };
  const built = path.join(REPO_ROOT, 'dist', 'index.js');
  return (await import(pathToFileURL(built).href)) as { OperationsClient: typeof OperationsClient; TypeRegistry: typeof TypeRegistry };
}

async function waiterFor(config: FleetChildConfig): Promise<Waiter> {
  const types = benchTypes();
  if (config.variant === 'gax' || config.variant === 'gax-rest') {
    const decodeResult = (bytes: Uint8Array) => types.result.decode(bytes);
    const decodeProgress = (bytes: Uint8Array) => types.progress.decode(bytes);
    // The REST fallback's OperationsClient is the same gax class, getOperationInternal included.
    const grpcClient = config.variant === 'gax' ? createGaxOperationsClient(config.address) : undefined;
    const gaxClient: GaxOperationsClient | GaxRestOperationsClient = grpcClient
      ?? createGaxRestOperationsClient(config.httpUrl, { types: types.root.toJSON() });
    const close = () => (grpcClient === undefined ? closeGaxRest(gaxClient as GaxRestOperationsClient) : closeGax(grpcClient));
    return {
      async warmUp() {
        for (let i = 0; i < 50; i++) await gaxClient.getOperation({ name: config.warmName });
        const [done] = await gaxClient.getOperation({ name: config.warmName });
        await gaxOperation(done, gaxClient, decodeResult, decodeProgress).promise();
      },
      wait: (operation) => gaxOperation(toGaxOperation(operation), gaxClient, decodeResult, decodeProgress).promise(),
      close,
    };
  }
  // BENCH_FLEET_POLLING='{"maxConcurrentWaits":Infinity}'-style JSON (numbers, or "Infinity"): the
  // client's polling options, to compare the defaults with other bounds (docs/performance.md).
  const polling = JSON.parse(process.env.BENCH_FLEET_POLLING ?? '{}', (_, value: unknown) => (value === 'Infinity' ? Infinity : value)) as ClientPollingOptions;
  const { OperationsClient: Client, TypeRegistry: Registry } = await sdk();
  const registry = Registry.fromRoot(types.root);
  const client = HTTP_FLEET_VARIANTS.has(config.variant)
    ? new Client({ baseUrl: config.httpUrl, insecure: true, httpRules: EMBEDDED_WAIT_RULES, types: registry, polling })
    : new Client({ address: config.address, insecure: true, types: registry, polling });
  const options = {
    responseType: RESULT_TYPE,
    metadataType: PROGRESS_TYPE,
    ...(config.variant === 'ours-poll' || config.variant === 'ours-poll-http' ? { polling: { strategy: 'poll' as const } } : {}),
  };
  return {
    async warmUp() {
      for (let i = 0; i < 50; i++) await client.getOperation({ name: config.warmName });
      await client.waitOperation({ name: config.warmName, timeoutMs: 10 });
      await client.operation(config.warmName, options).promise();
    },
    wait: (operation) => client.operation<JobResult, JobProgress>(operation, options).promise(),
    close: () => client.close(),
  };
}

export async function runFleetChild(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_FLEET ?? 'null') as FleetChildConfig | null;
  if (config === null || typeof process.send !== 'function') {
    throw new Error('bench/fleet-child.ts is started by the fleet benchmark (npm run bench), not directly.');
  }
  const waiter = await waiterFor(config);
  try {
    await waiter.warmUp();
    collectGarbage();
    const baseline = memory();
    const started = nextMessage();
    await send({ type: 'ready', baseline });
    const { names } = await started;

    // BENCH_HEAP_PROF_DIR=<dir>: a sampling profile of every allocation during the fleet,
    // garbage included (--heap-prof keeps only what is still live at the end).
    const heapProfDir = process.env.BENCH_HEAP_PROF_DIR;
    const session = heapProfDir ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
      });
    }
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const peak = { ...baseline };
    const sample = () => {
      const now = memory();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      return now;
    };
    const sampler = setInterval(sample, 50);

    const settledAt = new Array<number>(names.length).fill(Number.NaN);
    let resolved = 0;
    let rejected = 0;
    let firstError: string | undefined;
    // Each operation as its long-running method returned it: running, with its own metadata.
    const waits = names.map((name, i) => waiter.wait({ name, done: false, metadata: smallProgress(i % 100) }).then(
      () => {
        settledAt[i] = Date.now();
        resolved++;
      },
      (error: unknown) => {
        settledAt[i] = Date.now();
        rejected++;
        firstError ??= String(error);
      },
    ));
    const afterStart = sample();
    let live: FleetChildResult['live'] = { ...afterStart, pending: names.length, atMs: 0 };
    let gcCpuUs = 0;
    const liveSample = setTimeout(() => {
      delay.disable();
      const cpuBefore = process.cpuUsage();
      collectGarbage();
      live = { ...memory(), pending: names.length - resolved - rejected, atMs: performance.now() - wallStart };
      const gcCpu = process.cpuUsage(cpuBefore);
      gcCpuUs = gcCpu.user + gcCpu.system;
      delay.enable();
    }, config.liveSampleAtMs);
    try {
      await withTimeout(Promise.all(waits), config.limitMs, `${config.variant} fleet of ${names.length}`);
    } catch (error) {
      firstError ??= String(error);
    }
    const wallMs = performance.now() - wallStart;
    if (session && heapProfDir) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      await writeFile(path.join(heapProfDir, `${config.variant}-${process.pid}.heapprofile`), JSON.stringify(profile));
      session.disconnect();
    }
    const cpu = process.cpuUsage(cpuStart);
    clearTimeout(liveSample);
    clearInterval(sampler);
    sample();
    delay.disable();

    const result: FleetChildResult = {
      variant: config.variant,
      operations: names.length,
      resolved,
      rejected,
      ...(firstError === undefined ? {} : { firstError }),
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      forcedGcCpuMs: gcCpuUs / 1000,
      baseline,
      peak,
      afterStart,
      live,
      loopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      settledAt,
    };
    await send({ type: 'result', result });
  } catch (error) {
    await send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  } finally {
    await waiter.close();
    process.disconnect();
  }
}
