/**
 * Leak and life-cycle checks (issue 6, item 2). For every way a wait ends (abort,
 * unsubscribe, totalTimeoutMs, promise({ timeoutMs }), close, completion, failure,
 * cancel) and every place the poll loop can be when it ends (a held WaitOperation,
 * asleep between GetOperations, a GetOperation in flight):
 *
 * - the wait ends the documented way, and no RPC for the operation reaches the server
 *   afterwards (the calls log, 200 ms later), and no WaitOperation stays held;
 * - no ref'd timer of the SDK is left while the client is still open, and after
 *   close() and stop() nothing is alive that was not alive before (a baseline of
 *   `process.getActiveResourcesInfo()`);
 * - a child process per event, running all three phases without ever closing its
 *   clients (except for `close` itself), exits on its own within 2 s of stopping its
 *   server.
 *
 * test/integration/long-running-operation.test.ts has the single-phase versions of
 * abort, unsubscribe, totalTimeoutMs and close; this file adds the timeouts of one
 * caller, the endings (completion, failure, cancel), the phases, and the resource
 * baselines.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationsClient } from '../../src/client/operations-client.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { excessResources, liveResources } from '../chaos/scenario.js';
import {
  EVENTS, PHASES, cancelsInFlightCall, expectedEnding, expectedRpcsToSettle, runLifecycle, type LifecycleEvent, type LifecycleReport,
  type LoopPhase,
} from '../helpers/lifecycle.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const delay = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms);
});

const count = (resources: readonly string[], kind: string) => resources.filter((resource) => resource === kind).length;

/** What is alive beyond `baseline`, once closes under way have finished (bounded). */
async function leftAlive(baseline: readonly string[]): Promise<string[]> {
  for (let i = 0; i < 40; i++) {
    const excess = excessResources(baseline, liveResources());
    if (excess.length === 0) return excess;
    await delay(25);
  }
  return excessResources(baseline, liveResources());
}

/** The RPCs allowed between the event and the end of the wait. */
function checkRpcsToSettle(report: LifecycleReport, event: LifecycleEvent, phase: LoopPhase): void {
  const timeout = event === 'total-timeout' || event === 'promise-timeout';
  if (timeout && phase === 'poll-sleeping') {
    // The deadline is the event: the loop may poll once more before it (at ~300 ms of 400).
    expect(report.rpcsToSettle.every((method) => method === 'GetOperation') && report.rpcsToSettle.length <= 1,
      `RPCs before the deadline: ${report.rpcsToSettle.join(', ')}`).to.equal(true);
  } else {
    expect(report.rpcsToSettle, 'RPCs between the event and the end of the wait').to.deep.equal(expectedRpcsToSettle(event, phase));
  }
}

interface ChildLine { event: string; reports?: LifecycleReport[]; cleanedUpAt?: number }

/** Runs the child for one event; resolves its JSON lines and when it exited. */
function runChild(event: LifecycleEvent): Promise<{ lines: ChildLine[]; exitedAt: number }> {
  // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage (see transport-security).
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(here, '..', 'helpers', 'lifecycle-child.ts'), event], {
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      // A child that does not exit on its own is killed here, and the test fails.
      timeout: 15_000,
    }, (error, stdout, stderr) => {
      const exitedAt = Date.now();
      if (error) {
        reject(new Error(`lifecycle-child ${event} failed: ${error.message}\n${stdout}\n${stderr}`));
        return;
      }
      const lines = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ChildLine);
      resolve({ lines, exitedAt });
    });
  });
}

describe('life cycle: nothing is sent and nothing stays alive after a wait ends (integration)', function () {
  this.timeout(10_000);

  for (const event of EVENTS) {
    describe(`after ${event}`, () => {
      for (const phase of PHASES) {
        it(`(${phase}) ends as documented, sends no RPC afterwards and leaves no timer or socket`, async () => {
          // After a first await: mocha's own test timer is armed and belongs to the baseline.
          await delay(1);
          const baseline = liveResources();
          const server = await InMemoryOperationsServer.start();
          const client = new OperationsClient({ address: server.address, insecure: true, retry: false });
          let report: LifecycleReport;
          try {
            report = await runLifecycle(server, client, event, phase);
            // While the client is still open: no ref'd timer beyond mocha's own.
            expect(count(liveResources(), 'Timeout'), "ref'd timers with the client still open")
              .to.be.at.most(count(baseline, 'Timeout'));
          } finally {
            await client.close();
            await server.stop();
          }
          expect({ promise: report.promise, state$: report.state$, metadata$: report.metadata$ }).to.deep.equal(expectedEnding(event));
          checkRpcsToSettle(report, event, phase);
          expect(report.rpcsAfter, 'RPCs for the operation in the 200 ms after the wait ended').to.deep.equal([]);
          expect(report.waitsReleasedAfterMs, 'ms until the server held no WaitOperation (the cancel reached it)').to.be.below(1_000);
          if (phase === 'poll-in-flight') {
            expect(report.heldCallsCancelled, 'the GetOperation in flight was cancelled on the wire')
              .to.equal(cancelsInFlightCall(event) ? 1 : 0);
          }
          expect(await leftAlive(baseline), 'alive after close() and stop() beyond the baseline').to.deep.equal([]);
        });
      }
    });
  }

  describe('child processes (one per event, all three phases, clients never closed)', function () {
    this.timeout(30_000);
    let results: Map<LifecycleEvent, { lines: ChildLine[]; exitedAt: number } | Error>;

    before(async function () {
      this.timeout(30_000);
      // Four at a time: each child takes a second or two, mostly starting tsx, and the
      // phases are timing-sensitive enough not to want the whole machine busy.
      results = new Map();
      const queue = [...EVENTS];
      await Promise.all(Array.from({ length: 4 }, async () => {
        for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
          results.set(event, await runChild(event).catch((error: unknown) => error as Error));
        }
      }));
    });

    for (const event of EVENTS) {
      it(`after ${event}: exits on its own within 2 s of stopping its server`, () => {
        const result = results.get(event)!;
        if (result instanceof Error) throw result;
        const summary = result.lines.find((line) => line.cleanedUpAt !== undefined);
        expect(summary, 'the child reported').to.not.equal(undefined);
        for (const report of summary!.reports!) {
          expect({ promise: report.promise, state$: report.state$, metadata$: report.metadata$ }, report.phase)
            .to.deep.equal(expectedEnding(event));
          expect(report.rpcsAfter, `${report.phase}: RPCs after the end`).to.deep.equal([]);
          expect(report.waitsReleasedAfterMs, `${report.phase}: ms until no WaitOperation was held`).to.be.below(1_000);
        }
        expect(summary!.reports!.map((report) => report.phase)).to.deep.equal([...PHASES]);
        expect(result.exitedAt - summary!.cleanedUpAt!, 'exit lag after the server stopped').to.be.below(2_000);
      });
    }
  });
});
