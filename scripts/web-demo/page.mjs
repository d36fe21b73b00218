/* global document, fetch, window */
/**
 * The web demo's page (scripts/web-demo/server.mjs serves it): asks the demo site to
 * script a fresh set of operations (`POST /start`), then follows each one with
 * `longrunning-client/browser` against the embedded server on another origin (CORS):
 * a progress bar from the handle's `metadata$`, the outcome from `promise()`, and a
 * Cancel button that calls `handle.cancel()`.
 *
 * Each row carries `data-state` (RUNNING, SUCCEEDED, FAILED, CANCELLED) and
 * `data-percent`, which the browser test waits on before its screenshot.
 */
import { OperationCancelledError, OperationFailedError, OperationsClient, TypeRegistry, codeName } from '/client.js';

/** The embedded server's WaitOperation binding: operations.proto binds none, so without it the handle polls. */
const WAIT_RULE = { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' };

const types = TypeRegistry.empty();

/** Creates an element with a class and optional text. */
function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One operation's row: title, state badge, bar, detail line and Cancel button. */
function row({ name, title }) {
  const root = element('section', 'op');
  const heading = element('div', 'title', title);
  heading.append(element('small', '', name.split('/').slice(-1)[0]));
  const state = element('span', 'state', 'RUNNING');
  const bar = element('div', 'bar');
  const fill = element('div', 'fill');
  bar.append(fill);
  const percent = element('span', 'percent', '0%');
  const detail = element('div', 'detail', 'waiting for the first progress report');
  const cancel = element('button', 'action', 'Cancel');
  root.append(heading, state, bar, percent, detail, cancel);
  root.dataset.name = name;
  root.dataset.state = 'RUNNING';
  root.dataset.percent = '0';
  return {
    root,
    cancel,
    progress(value, stage) {
      const clamped = Math.max(0, Math.min(100, value));
      fill.style.width = `${clamped}%`;
      percent.textContent = `${clamped}%`;
      root.dataset.percent = String(clamped);
      if (root.dataset.state === 'RUNNING' && stage) detail.textContent = stage;
    },
    finish(outcome, text) {
      root.dataset.state = outcome;
      state.textContent = outcome;
      detail.textContent = text;
      cancel.disabled = true;
      if (outcome === 'CANCELLED') cancel.textContent = 'Cancelled';
      if (outcome === 'SUCCEEDED') this.progress(100);
    },
  };
}

/** The outcome line of a failed operation: its code, message and the types (and reasons) of its details. */
function failureText(error) {
  const details = error.status.details.map((detail) => {
    const type = detail.typeUrl.slice(detail.typeUrl.lastIndexOf('/') + 1);
    try {
      const reason = types.unpack(detail)?.reason;
      return reason ? `${type} ${reason}` : type;
    } catch {
      return type;
    }
  });
  return `${codeName(error.code)}: ${error.status.message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
}

/** Follows one operation until it is done. */
async function follow(client, operation, view) {
  const handle = client.operation(operation.name);
  const subscription = handle.metadata$.subscribe({
    next: (metadata) => view.progress(Number(metadata?.progressPercent ?? 0), metadata?.stage),
    error: () => undefined, // promise() reports the same error
  });
  view.cancel.addEventListener('click', () => {
    view.cancel.disabled = true;
    view.cancel.textContent = 'Cancelling...';
    // The outcome (OperationCancelledError) arrives through promise().
    handle.cancel().catch((error) => {
      view.cancel.textContent = 'Cancel';
      view.cancel.disabled = false;
      view.root.querySelector('.detail').textContent = `cancel failed: ${error.message}`;
    });
  });
  try {
    const response = await handle.promise();
    view.finish('SUCCEEDED', JSON.stringify(response));
  } catch (error) {
    if (error instanceof OperationCancelledError) view.finish('CANCELLED', 'cancelled by handle.cancel()');
    else if (error instanceof OperationFailedError) view.finish('FAILED', failureText(error));
    else view.finish('ERROR', String(error?.message ?? error));
  } finally {
    subscription.unsubscribe();
  }
}

async function main() {
  const lead = document.getElementById('lead');
  const list = document.getElementById('ops');
  const started = await (await fetch('/start', { method: 'POST' })).json();
  lead.textContent = `This page (${window.location.origin}) follows ${started.operations.length} operations on the embedded ` +
    `Operations server at ${started.baseUrl} over HTTP/JSON (another origin: CORS).`;
  const client = new OperationsClient({
    baseUrl: started.baseUrl, insecure: true, types, httpRules: [WAIT_RULE], polling: { progressIntervalMs: 250 },
  });
  window.addEventListener('pagehide', () => void client.close());
  await Promise.all(started.operations.map((operation) => {
    const view = row(operation);
    list.append(view.root);
    return follow(client, operation, view);
  }));
  document.body.dataset.done = 'true';
}

main().catch((error) => {
  document.getElementById('lead').textContent = `The demo failed: ${error?.message ?? error}`;
  throw error;
});
