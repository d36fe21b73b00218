/**
 * Many consumers of one operation share one poll loop: K x (promise() + state$ +
 * metadata$) on one handle must send exactly the RPCs of 1 x the same, seeing the same
 * states. Both run at once against twin operations with the same scripted timeline
 * (progress at 1/3 and 2/3, done at the end). The `poll` strategy runs without jitter
 * here, so both twins follow exactly the same schedule.
 */
import { OperationsClient, type LongRunningOperation, type PollingOptions } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { closeGax, createGaxOperationsClient, gaxOperation, toGaxOperation } from '../lib/gax.js';
import { benchTypes, jobResult, PROGRESS_TYPE, RESULT_TYPE, smallProgress, type JobProgress, type JobResult } from '../lib/payloads.js';
import { int, type Check, type Table } from '../lib/report.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { countBy, withTimeout } from '../lib/util.js';

interface ConsumerStats {
  consumers: number;
  rpcs: number;
  /** Per state$ subscriber (ours) or per 'progress' listener (gax): values received; all equal when consistent. */
  states: number[];
  metadata: number[];
  resolved: number;
}

/** Starts K consumers on one handle; resolves when all of them ended. */
async function consumeOurs(handle: LongRunningOperation<JobResult, JobProgress>, consumers: number, limitMs: number) {
  const states = new Array<number>(consumers).fill(0);
  const metadata = new Array<number>(consumers).fill(0);
  const ends: Array<Promise<unknown>> = [];
  let resolved = 0;
  for (let i = 0; i < consumers; i++) {
    ends.push(handle.promise().then((result) => {
      if (result.rows === '7') resolved++;
    }));
    ends.push(new Promise<void>((resolve, reject) => {
      handle.state$.subscribe({ next: () => states[i]++, error: reject, complete: resolve });
    }));
    ends.push(new Promise<void>((resolve, reject) => {
      handle.metadata$.subscribe({ next: () => metadata[i]++, error: reject, complete: resolve });
    }));
  }
  await withTimeout(Promise.all(ends), limitMs, `${consumers} consumers of ${handle.name}`);
  return { states, metadata, resolved };
}

export async function runSubscribers(context: SectionContext): Promise<SectionOutput> {
  const { subscribers, finishAfterMs } = context.sizes.subscribers;
  const types = benchTypes();
  const server = await InMemoryOperationsServer.start({ waitOperation: true });
  const client = new OperationsClient({ address: server.address, insecure: true, types: types.registry });
  const gaxClient = createGaxOperationsClient(server.address);
  const limitMs = finishAfterMs + 60_000;
  const timeline = () => [
    { afterMs: finishAfterMs / 3, metadata: smallProgress(33) },
    { afterMs: finishAfterMs / 3, metadata: smallProgress(66) },
    { afterMs: finishAfterMs / 3, done: true as const, response: jobResult(7) },
  ];
  const strategies: Array<{ label: string; polling: PollingOptions | undefined }> = [
    { label: 'ours, `auto` (WaitOperation)', polling: undefined },
    { label: 'ours, `poll` (jitter 0)', polling: { strategy: 'poll', jitter: 0 } },
  ];
  try {
    const warm = server.createOperation({ done: true, response: jobResult(7) });
    // Also teaches the client that the server serves WaitOperation, so no handle below
    // spends a probe and the 1- and N-consumer rows compare like with like.
    await client.waitOperation({ name: warm });
    await gaxClient.getOperation({ name: warm });

    context.log(`subscribers: 1 vs ${subscribers} consumers per operation, done after ${finishAfterMs} ms`);
    const names = new Map<string, string>();
    const runs: Array<Promise<ConsumerStats>> = [];
    for (const { label, polling } of strategies) {
      for (const consumers of [1, subscribers]) {
        const name = server.createOperation({ metadata: smallProgress(0) });
        names.set(`${label}|${consumers}`, name);
        const initial = server.get(name)!;
        server.script(name, timeline());
        const handle = client.operation<JobResult, JobProgress>(initial, {
          responseType: RESULT_TYPE, metadataType: PROGRESS_TYPE, ...(polling ? { polling } : {}),
        });
        runs.push(consumeOurs(handle, consumers, limitMs).then((stats) => ({ consumers, rpcs: 0, ...stats })));
      }
    }
    // gax for comparison: K x (promise() + a 'progress' listener) on one Operation.
    for (const consumers of [1, subscribers]) {
      const name = server.createOperation({ metadata: smallProgress(0) });
      names.set(`gax|${consumers}`, name);
      const initial = server.get(name)!;
      server.script(name, timeline());
      const operation = gaxOperation(toGaxOperation(initial), gaxClient,
        (bytes) => types.result.decode(bytes), (bytes) => types.progress.decode(bytes));
      operation.setMaxListeners(0);
      const metadata = new Array<number>(consumers).fill(0);
      let resolved = 0;
      const ends: Array<Promise<unknown>> = [];
      for (let i = 0; i < consumers; i++) {
        operation.on('progress', () => metadata[i]++);
        ends.push(operation.promise().then(() => resolved++));
      }
      runs.push(withTimeout(Promise.all(ends), limitMs, `gax consumers of ${name}`)
        .finally(() => operation.removeAllListeners())
        .then(() => ({ consumers, rpcs: 0, states: [], metadata, resolved })));
    }
    const results = await Promise.all(runs);
    const rpcs = countBy(server.calls, (call) => call.name);
    const labels = [...strategies.map((s) => s.label), 'gax `Operation.promise()` (defaults)'];
    const keys = [...strategies.map((s) => s.label), 'gax'];
    const rows: Array<{ label: string; one: ConsumerStats; many: ConsumerStats }> = [];
    keys.forEach((key, k) => {
      const one = results[2 * k];
      const many = results[2 * k + 1];
      one.rpcs = rpcs.get(names.get(`${key}|1`)!) ?? 0;
      many.rpcs = rpcs.get(names.get(`${key}|${subscribers}`)!) ?? 0;
      rows.push({ label: labels[k], one, many });
    });

    const distinct = (values: number[]) => [...new Set(values)].join(', ') || '-';
    const table: Table = {
      title: `Subscribers: 1 vs ${subscribers} consumers of one operation`,
      columns: ['client', 'consumers', 'RPCs', 'states per state$ subscriber', 'metadata values per subscriber', 'promises resolved', 'same RPCs as 1 consumer'],
      rows: rows.flatMap(({ label, one, many }) => [one, many].map((stats) => [
        label,
        stats.consumers === 1 ? '1 x (promise + state$ + metadata$)' : `${stats.consumers} x (promise + state$ + metadata$)`,
        int(stats.rpcs),
        distinct(stats.states),
        distinct(stats.metadata),
        `${stats.resolved} / ${stats.consumers}`,
        stats.consumers === 1 ? '' : stats.rpcs === one.rpcs ? 'yes' : '**no**',
      ])),
      notes: ['gax has no state$ / metadata$: its rows use promise() and a `progress` listener per consumer.'],
    };
    for (const row of table.rows) if (row[0].startsWith('gax')) row[1] = row[1].replace('state$ + metadata$', "'progress'");
    const checks: Check[] = rows.filter((row) => !row.label.startsWith('gax')).map(({ label, one, many }) => ({
      // The twins run in real time, so a slice or poll boundary can fall on either side of a
      // step for one twin and not the other: one RPC (and state) of slack between twins.
      // A second poll loop would double the RPCs. Consumers of one handle share its stream
      // exactly: they must all see the same states and metadata.
      description: `${label}: ${subscribers} consumers send the RPCs of one (+-1 between twin operations) and all see the same states`,
      passed: Math.abs(many.rpcs - one.rpcs) <= 1 && many.resolved === many.consumers && one.resolved === 1 &&
        many.states.every((n) => n === many.states[0]) && many.metadata.every((n) => n === many.metadata[0]),
      detail: `RPCs ${many.rpcs} vs ${one.rpcs}; states ${distinct(many.states)} vs ${distinct(one.states)}; ` +
        `metadata ${distinct(many.metadata)} vs ${distinct(one.metadata)}; resolved ${many.resolved}/${many.consumers}`,
    }));
    return {
      title: '2b. One operation, many subscribers',
      method: `Twin operations (progress at 1/3 and 2/3 of ${finishAfterMs} ms, then done) watched by 1 and by ${subscribers} ` +
        'consumers at once on one handle each; RPCs counted by the server per operation. Asserted, not just reported: ' +
        'the run fails if the counts differ by more than one, or if the consumers of one handle see different states.',
      tables: [table],
      targets: [],
      checks,
      data: { rows },
    };
  } finally {
    await closeGax(gaxClient);
    await client.close();
    await server.stop();
  }
}
