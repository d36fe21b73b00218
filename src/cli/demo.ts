/**
 * `longrunning demo` (and `npm run demo`): the SDK against the embedded in-memory
 * Operations server, on loopback only. Four simulated jobs report advancing progress
 * metadata (one completes fast, one runs longer, one fails with error details, one is
 * cancelled through the SDK once it passes 40%); each is followed through an operation
 * handle (`metadata$` draws its bar, `promise()` gives its outcome); then the jobs are
 * listed two per page with `byPage()`, and a summary gives each outcome and the RPCs
 * the server received. Takes about 3 seconds and exits by itself. With `--http` the same
 * runs over the embedded server's HTTP/JSON front-end (the client with `baseUrl`).
 *
 * @internal
 * @module
 */
import {
  Code, OperationFailedError, OperationsClient, TypeRegistry, codeName, type Any, type HttpRule, type LongRunningOperation,
  type Operation,
} from '../index.js';
import { InMemoryOperationsServer, type CallRecord, type TimelineStep } from '../testing.js';
import { ExitCode } from './exit-codes.js';
import { createProgressBoard, extractProgress, type ProgressBoard } from './progress.js';
import { AnyDecoder, operationState, outcomeText, toJsonValue, type JsonOperation } from './render.js';
import type { Session } from './session.js';

/** One simulated job: its name and server-side timeline. */
interface Job {
  readonly name: string;
  readonly steps: readonly TimelineStep[];
  /** Cancel it through the SDK once its progress reaches this percentage. */
  readonly cancelAtPercent?: number;
}

/**
 * How often the demo's handles refresh progress: often enough that each 250 ms step
 * shows, without flooding the embedded server.
 */
const DEMO_PROGRESS_INTERVAL_MS = 200;
/** No job may take longer than this; the demo then fails instead of hanging. */
const DEMO_JOB_TIMEOUT_MS = 20_000;

const types = TypeRegistry.empty();

/**
 * The embedded server's own WaitOperation binding, given to the HTTP/JSON client so that
 * it long-polls as over gRPC (operations.proto binds no WaitOperation).
 */
const DEMO_WAIT_RULE: HttpRule = Object.freeze({
  selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*',
});

/** Options of {@link demoCommand}. @internal */
export interface DemoOptions {
  /** Over the embedded server's HTTP/JSON front-end instead of gRPC. */
  readonly http?: boolean | undefined;
}

function progress(afterMs: number, percent: number, state: string): TimelineStep {
  return { afterMs, metadata: types.pack('google.protobuf.Struct', { progressPercent: percent, state }) };
}

/** The simulated jobs. Every step is 250-300 ms; the longest job ends after ~3 s. */
function demoJobs(): Job[] {
  const struct = (value: Record<string, unknown>): Any => types.pack('google.protobuf.Struct', value);
  return [
    {
      name: 'operations/fast-export',
      steps: [
        progress(250, 50, 'EXPORTING'),
        { afterMs: 250, done: true, response: struct({ rows: 1200, destination: 'gs://demo/export.csv' }) },
      ],
    },
    {
      name: 'operations/long-import',
      steps: [
        ...[10, 20, 30, 40, 50].map((percent) => progress(300, percent, 'READING')),
        ...[60, 70, 80, 90].map((percent) => progress(300, percent, 'WRITING')),
        { afterMs: 300, done: true, response: struct({ rows: 98000 }) },
      ],
    },
    {
      name: 'operations/failing-train',
      steps: [
        progress(300, 15, 'LOADING'),
        progress(300, 30, 'TRAINING'),
        progress(300, 45, 'TRAINING'),
        {
          afterMs: 400,
          error: {
            code: Code.RESOURCE_EXHAUSTED,
            message: 'GPU quota exhausted',
            details: [types.pack('google.rpc.ErrorInfo', {
              reason: 'GPU_QUOTA_EXCEEDED', domain: 'demo.example.com', metadata: { region: 'demo-1' },
            })],
          },
        },
      ],
    },
    {
      name: 'operations/cancelled-scan',
      // Runs "forever" (to 90%, never done): only the cancel ends it.
      steps: [10, 20, 30, 40, 50, 60, 70, 80, 90].map((percent) => progress(250, percent, 'SCANNING')),
      cancelAtPercent: 40,
    },
  ];
}

/** How one job ended. */
interface JobResult {
  readonly name: string;
  /** The done operation as last seen. */
  readonly operation: Operation | undefined;
}

/**
 * Runs the demo; resolves with the exit code. Stops the embedded server and closes the
 * client whatever happens (Ctrl-C included).
 *
 * @internal
 */
export async function demoCommand(session: Session, options: DemoOptions = {}): Promise<number> {
  const started = Date.now();
  const { io } = session;
  const jobs = demoJobs();
  const http = options.http === true;
  const server = await InMemoryOperationsServer.start(http ? { http: true } : {});
  // The HTTP front-end listens beside the gRPC one; `httpUrl` is set when `http` is.
  const endpoint = http ? server.httpUrl ?? server.address : server.address;
  let client: OperationsClient;
  try {
    client = http
      ? new OperationsClient({ baseUrl: endpoint, insecure: true, httpRules: [DEMO_WAIT_RULE], types })
      : new OperationsClient({ address: server.address, insecure: true, types });
  } catch (error) {
    await server.stop();
    throw error;
  }
  const decoder = new AnyDecoder(types);
  const nameWidth = Math.max(...jobs.map((job) => job.name.length));
  let board: ProgressBoard | undefined;
  try {
    if (!session.json) {
      session.print(`longrunning demo: ${jobs.length} simulated jobs on an embedded Operations server at ` +
        `${endpoint} (${http ? 'HTTP/JSON, ' : ''}loopback only),\nfollowed with the SDK: progress from each handle's metadata$, outcomes from promise().\n\n`);
      board = createProgressBoard({ stream: io.stdout, tty: io.isTTY, nameWidth });
    }
    for (const job of jobs) {
      server.createOperation({ name: job.name });
      server.script(job.name, job.steps);
    }

    const cancels: Array<Promise<void>> = [];
    const results = await Promise.all(jobs.map((job) => follow(client, job, board, session, cancels)));
    await Promise.all(cancels);
    board?.stop();

    const pages: string[][] = [];
    for await (const page of client.listOperationsAsync({ name: 'operations' }, signalOption(session)).byPage({ pageSize: 2 })) {
      pages.push(page.operations.map((op) => op.name));
    }
    const calls = countCalls(server.calls);
    const elapsedMs = Date.now() - started;

    if (session.json) {
      session.printJson({
        server: endpoint,
        jobs: results.map((result) => ({
          name: result.name,
          state: result.operation ? operationState(result.operation) : 'RUNNING',
          operation: result.operation ? decoder.operationJson(result.operation) : undefined,
        } satisfies { name: string; state: string; operation: JsonOperation | undefined })),
        pages,
        rpcs: calls,
        elapsedMs,
      });
      return ExitCode.success;
    }
    session.print(`\nListOperations, 2 per page (listOperationsAsync().byPage({ pageSize: 2 })):`);
    pages.forEach((names, i) => session.print(`  page ${i + 1}: ${names.join(', ')}`));
    session.print('\nSummary:');
    for (const result of results) session.print(`  ${result.name.padEnd(nameWidth)}  ${summary(result, decoder)}`);
    const byMethod = Object.entries(calls.byMethod).map(([method, count]) => `${method} ${count}`).join(', ');
    session.print(`\n${jobs.length} jobs finished in ${(elapsedMs / 1000).toFixed(1)} s with ${calls.total} RPCs ` +
      `(${byMethod}).`);
    return ExitCode.success;
  } finally {
    board?.stop();
    await client.close();
    await server.stop();
  }
}

function signalOption(session: Session): { signal?: AbortSignal } {
  return session.io.signal === undefined ? {} : { signal: session.io.signal };
}

/** Follows one job through a handle: progress from metadata$, outcome from promise(). */
async function follow(
  client: OperationsClient, job: Job, board: ProgressBoard | undefined, session: Session, cancels: Array<Promise<void>>,
): Promise<JobResult> {
  const op: LongRunningOperation<unknown, unknown> = client.operation(job.name, {
    polling: { progressIntervalMs: DEMO_PROGRESS_INTERVAL_MS, maxDelayMs: DEMO_PROGRESS_INTERVAL_MS },
  });
  const task = board?.task(job.name);
  let cancelRequested = false;
  const subscription = op.metadata$.subscribe({
    next: (metadata) => {
      const progress = extractProgress(metadata);
      task?.update(progress);
      if (job.cancelAtPercent !== undefined && !cancelRequested && (progress.percent ?? 0) >= job.cancelAtPercent) {
        cancelRequested = true;
        board?.log(`${job.name}  -> at ${progress.percent}%: cancelling through the SDK (op.cancel())`);
        cancels.push(op.cancel(signalOption(session)));
      }
    },
    error: () => undefined, // promise() reports the same error
  });
  try {
    await op.promise({ ...signalOption(session), timeoutMs: DEMO_JOB_TIMEOUT_MS });
    task?.finish('SUCCEEDED', true);
    return { name: job.name, operation: op.latest?.raw };
  } catch (error) {
    if (!(error instanceof OperationFailedError)) throw error;
    const operation = op.latest?.raw;
    task?.finish(outcomeText(operation), false);
    return { name: job.name, operation };
  } finally {
    subscription.unsubscribe();
  }
}

/** A summary line's text: the state, then the response or the error with its details. */
function summary(result: JobResult, decoder: AnyDecoder): string {
  const operation = result.operation;
  if (operation === undefined) return 'RUNNING';
  const state = operationState(operation).padEnd(9);
  if (operation.error) {
    const details = operation.error.details.map((detail) => decoder.anyLine(detail));
    return `${state}  ${codeName(operation.error.code)}: ${operation.error.message}` +
      `${details.length > 0 ? `; details: ${details.join('; ')}` : ''}`;
  }
  if (operation.response) {
    const decoded = decoder.decode(operation.response, 'response');
    return `${state}  ${decoded.decoded ? JSON.stringify(toJsonValue(decoded.value)) : decoded.typeName}`;
  }
  return state;
}

/** RPCs the server received: the total and per method, most frequent first. */
function countCalls(calls: readonly CallRecord[]): { total: number; byMethod: Record<string, number> } {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
  const byMethod = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
  return { total: calls.length, byMethod };
}
