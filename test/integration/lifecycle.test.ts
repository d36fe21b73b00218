/**
 * Leak and life-cycle checks (issue 6, item 2). For every way a wait ends (abort,
 * unsubscribe, totalTimeoutMs, promise({ timeoutMs }), close, completion, failure,
 * cancel) and every place the poll loop can be when it ends (a held WaitOperation,
 * asleep between GetOperations, a GetOperation in flight):
 *
 * - the wait ends the documented way, and no RPC for the operation reaches the server
 *   afterwards (the calls log, 200 ms later), and no WaitOperation stays held (the
 *   client's cancel releases it, long before its 60 s slice would);
 * - no ref'd timer of the SDK is left while the client is still open, and after
 *   close() and stop() nothing is alive that was not alive before (a baseline of
 *   `process.getActiveResourcesInfo()`);
 * - a child process per event, running all three phases without ever closing its
 *   clients (except for `close` itself), exits on its own after stopping its server
 *   (long before the 60 s timers a leak would leave could end).
 *
 * The timeouts are fired by the test once the loop is in the phase (a held clock), not
 * reached in real time, so every scenario happens as written on a loaded machine too.
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
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { excessResources, liveResources } from '../chaos/scenario.js';
import { CHILD_DEADLINE_MS, childrenTimeoutMs, mapLimited } from '../helpers/children.js';
import {
  EVENTS, PHASES, cancelsInFlightCall, expectedEnding, expectedRpcsToSettle, lifecycleClient, runLifecycle,
  type LifecycleEvent, type LifecycleReport,
} from '../helpers/lifecycle.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const delay = (ms: number) => new Promise<void>((resolve) => {
  setTimeout(resolve, ms);
});

const count = (resources: readonly string[], kind: string) => resources.filter((resource) => resource === kind).length;

/** What is alive beyond `baseline`, once closes under way have finished (bounded, generously). */
async function leftAlive(baseline: readonly string[]): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const excess = excessResources(baseline, liveResources());
    if (excess.length === 0) return excess;
    await delay(25);
  }
  return excessResources(baseline, liveResources());
}

/**
 * The exit bound of the children: far above any exit on a loaded machine, far below the
 * 60 s timers (a wait slice, a call deadline) a leak would leave.
 */
const EXIT_LAG_MS = 20_000;

interface ChildLine { event: string; reports?: LifecycleReport[]; cleanedUpAt?: number }

/** Runs the child for one event; resolves its JSON lines and when it exited. */
function runChild(event: LifecycleEvent): Promise<{ lines: ChildLine[]; exitedAt: number }> {
  // NODE_V8_COVERAGE '' keeps c8 from merging the child's partial coverage (see transport-security).
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(here, '..', 'helpers', 'lifecycle-child.ts'), event], {
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none' },
      // A child that does not exit on its own is killed here, and the test fails.
      timeout: CHILD_DEADLINE_MS,
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
  // A hang guard: every wait inside is bounded first.
  this.timeout(30_000);

  for (const event of EVENTS) {
    describe(`after ${event}`, () => {
      for (const phase of PHASES) {
        it(`(${phase}) ends as documented, sends no RPC afterwards and leaves no timer or socket`, async () => {
          // After a first await: mocha's own test timer is armed and belongs to the baseline.
          await delay(1);
          const baseline = liveResources();
          const server = await InMemoryOperationsServer.start();
          const { client, clock } = lifecycleClient(server);
          let report: LifecycleReport;
          try {
            report = await runLifecycle(server, { client, clock }, event, phase);
            // While the client is still open: no ref'd timer beyond mocha's own.
            expect(count(liveResources(), 'Timeout'), "ref'd timers with the client still open")
              .to.be.at.most(count(baseline, 'Timeout'));
          } finally {
            await client.close();
            await server.stop();
          }
          expect({ promise: report.promise, state$: report.state$, metadata$: report.metadata$ }).to.deep.equal(expectedEnding(event));
          expect(report.rpcsToSettle, 'RPCs between the event and the end of the wait').to.deep.equal(expectedRpcsToSettle(event, phase));
          expect(report.rpcsAfter, 'RPCs for the operation in the 200 ms after the wait ended').to.deep.equal([]);
          expect(report.waitsReleasedAfterMs, 'ms until the server held no WaitOperation (the cancel reached it)')
            .to.be.below(Infinity);
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
    let results: Map<LifecycleEvent, { lines: ChildLine[]; exitedAt: number } | Error>;

    before(async function () {
      // One per CPU: each child takes a second or two, mostly starting tsx.
      this.timeout(childrenTimeoutMs(EVENTS.length));
      const outcomes = await mapLimited(EVENTS, (event) => runChild(event).catch((error: unknown) => error as Error));
      results = new Map(EVENTS.map((event, i) => [event, outcomes[i]]));
    });

    for (const event of EVENTS) {
      it(`after ${event}: exits on its own after stopping its server`, () => {
        const result = results.get(event)!;
        if (result instanceof Error) throw result;
        const summary = result.lines.find((line) => line.cleanedUpAt !== undefined);
        expect(summary, 'the child reported').to.not.equal(undefined);
        for (const report of summary!.reports!) {
          expect({ promise: report.promise, state$: report.state$, metadata$: report.metadata$ }, report.phase)
            .to.deep.equal(expectedEnding(event));
          expect(report.rpcsAfter, `${report.phase}: RPCs after the end`).to.deep.equal([]);
          expect(report.waitsReleasedAfterMs, `${report.phase}: ms until no WaitOperation was held`).to.be.below(Infinity);
        }
        expect(summary!.reports!.map((report) => report.phase)).to.deep.equal([...PHASES]);
        expect(result.exitedAt - summary!.cleanedUpAt!, 'exit lag after the server stopped').to.be.below(EXIT_LAG_MS);
      });
    }
  });
});
