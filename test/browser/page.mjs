/* global window, URL, AbortController */
/**
 * Runs in headless Chromium (scripts/test-browser.mjs serves it): the scenarios of the
 * browser entry, asserted in the page, against the embedded server's HTTP/JSON front-end
 * on another origin (CORS). The server is driven through functions the runner exposes
 * (`window.server*`). Resolves with one `{ name, ok, error? }` per scenario.
 */
import { OperationCancelledError, OperationsClient, TypeRegistry } from '/client.js';

const WAIT_RULE = { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' };

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** The rejection of a promise, or a failure when it resolves. */
async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('assertion failed: expected a rejection, got a result');
}

export async function run(baseUrl) {
  const results = [];
  const scenario = async (name, body) => {
    try {
      await body();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  };
  assert(window.location.origin !== new URL(baseUrl).origin, 'the page and the server are on different origins');
  const client = new OperationsClient({
    baseUrl, insecure: true, types: TypeRegistry.empty(), httpRules: [WAIT_RULE], polling: { progressIntervalMs: 50 },
  });
  try {
    await scenario('promise() resolves with the unpacked response', async () => {
      const name = await window.serverCreate();
      const result = client.operation(name, { responseType: 'google.protobuf.Struct' }).promise();
      await window.serverComplete(name, { rows: 42, destination: 'gs://bucket/out' });
      const response = await result;
      assert(response.rows === 42 && response.destination === 'gs://bucket/out', `response ${JSON.stringify(response)}`);
    });

    await scenario('metadata$ delivers progress in order, then completes', async () => {
      const name = await window.serverCreate({ percent: 0 });
      const seen = [];
      await new Promise((resolve, reject) => {
        client.operation(name).metadata$.subscribe({
          next: ({ percent }) => {
            seen.push(percent);
            // The server moves on only after the page saw a step: none can be skipped.
            const step = percent < 100 ? window.serverSetMetadata(name, { percent: percent + 25 }) : window.serverComplete(name, {});
            step.catch(reject);
          },
          error: reject,
          complete: resolve,
        });
      });
      assert(JSON.stringify(seen) === '[0,25,50,75,100]', `progress ${JSON.stringify(seen)}`);
    });

    await scenario('listOperationsAsync pages', async () => {
      const created = [];
      for (let i = 0; i < 5; i++) created.push(await window.serverCreate());
      const pages = [];
      for await (const page of client.listOperationsAsync({ name: 'operations' }).byPage({ pageSize: 2 })) {
        pages.push(page.operations.map((operation) => operation.name));
      }
      const listed = pages.flat();
      assert(created.every((name) => listed.includes(name)), `listed ${listed.length} names, the created ones among them`);
      assert(new Set(listed).size === listed.length, 'no name twice');
      assert(pages.length >= 3 && pages.every((page) => page.length <= 2), `pages of at most 2: ${JSON.stringify(pages)}`);
    });

    await scenario('cancel() gives OperationCancelledError', async () => {
      const name = await window.serverCreate();
      const op = client.operation(name);
      const result = op.promise();
      await op.cancel();
      const error = await rejectionOf(result);
      assert(error instanceof OperationCancelledError, `got ${error}`);
      assert(error.operationName === name, `operationName ${error.operationName}`);
    });

    await scenario('an AbortSignal stops everything', async () => {
      const name = await window.serverCreate();
      const controller = new AbortController();
      const reason = new Error('the user left the page');
      const op = client.operation(name);
      const result = op.promise({ signal: controller.signal });
      const progress = [];
      const subscription = op.state$.subscribe({ next: (state) => progress.push(state) });
      while ((await window.serverPendingWaits()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort(reason);
      subscription.unsubscribe();
      assert((await rejectionOf(result)) === reason, 'promise() rejects with the signal\'s reason');
      const before = await window.serverCallsFor(name);
      await window.serverComplete(name, {});
      // A round trip to the server after the abort: any request the handle still had to send would be there by now.
      await client.listOperations({ name: 'operations', pageSize: 1 });
      const after = await window.serverCallsFor(name);
      assert(after === before, `no request after the abort (${before} before, ${after} after)`);
      assert(progress.length >= 1, 'state$ emitted the first state');
    });
  } finally {
    await client.close();
  }
  return results;
}
