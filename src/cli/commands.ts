/**
 * The operation commands: `get`, `list`, `wait`, `watch`, `cancel`, `delete`. Each
 * returns its exit code; errors it does not handle itself are reported by `run`.
 *
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import {
  OperationFailedError, type Any, type ListOperationsRequest, type ListOperationsResponse, type Operation,
} from '../index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createProgressBoard, extractProgress, type ProgressBoard, type ProgressTask } from './progress.js';
import { outcomeText, type AnyDecoder } from './render.js';
import type { Session, TypeFlags } from './session.js';

/** `get NAME`: GetOperation, printed. @internal */
export async function getCommand(session: Session, name: string, typeFlags: TypeFlags): Promise<number> {
  const { client, decoder } = await session.open(typeFlags);
  const operation = await client.getOperation({ name }, session.callOptions);
  printOperation(session, decoder, operation);
  return ExitCode.success;
}

/** Flags of `list`. @internal */
export interface ListFlags {
  readonly filter?: string;
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly all?: boolean;
  readonly partial?: boolean;
}

/**
 * `list [PARENT]`: one page and its next page token, or with `--all` every page
 * (listOperationsAsync, page by page so `unreachable` is kept).
 *
 * @internal
 */
export async function listCommand(session: Session, parent: string, flags: ListFlags): Promise<number> {
  const { client, decoder } = await session.open();
  const request: ListOperationsRequest = { name: parent };
  if (flags.filter !== undefined) request.filter = flags.filter;
  if (flags.pageSize !== undefined) request.pageSize = flags.pageSize;
  if (flags.pageToken !== undefined) request.pageToken = flags.pageToken;
  if (flags.partial === true) request.returnPartialSuccess = true;

  const pages: ListOperationsResponse[] = [];
  if (flags.all === true) {
    for await (const page of client.listOperationsAsync(request, session.callOptions).byPage()) {
      if (!session.json) printPage(session, decoder, page, pages.length === 0);
      pages.push(page);
    }
  } else {
    const page = await client.listOperations(request, session.callOptions);
    if (!session.json) printPage(session, decoder, page, true);
    pages.push(page);
  }

  const operations = pages.flatMap((page) => page.operations);
  const unreachable = [...new Set(pages.flatMap((page) => page.unreachable))];
  const nextPageToken = flags.all === true ? '' : pages[0]?.nextPageToken ?? '';
  if (session.json) {
    session.printJson({ operations: operations.map((op) => decoder.operationJson(op)), nextPageToken, unreachable });
    return ExitCode.success;
  }
  if (operations.length === 0) session.print('No operations.');
  if (unreachable.length > 0) session.print(`Unreachable: ${unreachable.join(', ')}`);
  if (nextPageToken !== '') session.print(`Next page token: ${nextPageToken}\n(more with: --page-token ${shellQuote(nextPageToken)})`);
  return ExitCode.success;
}

function printPage(session: Session, decoder: AnyDecoder, page: ListOperationsResponse, first: boolean): void {
  if (page.operations.length === 0) return;
  const width = Math.max(...page.operations.map((op) => op.name.length), first ? 'NAME'.length : 0);
  const lines = page.operations.map((op) => decoder.listLine(op, width));
  if (first) lines.unshift(`${'NAME'.padEnd(width)}  STATE`);
  session.print(lines.join('\n'));
}

/** Flags of `wait` and `watch`. @internal */
export interface FollowFlags extends TypeFlags {
  /** `watch --interval`: how often progress refreshes, in milliseconds. */
  readonly interval?: number;
}

/**
 * How often `watch` refreshes progress unless `--interval` says otherwise: fresh enough
 * for a person, one RPC a second.
 *
 * @internal
 */
export const WATCH_INTERVAL_MS = 1_000;

/**
 * `wait NAME` and `watch NAME`: waits until the operation is done (or `--timeout`),
 * prints it, and exits with its outcome. `watch` also draws its progress from
 * `metadata$`: a live bar on a terminal, plain lines otherwise, none with `--json`.
 *
 * @internal
 */
export async function followCommand(session: Session, name: string, flags: FollowFlags, watch: boolean): Promise<number> {
  const { client, decoder } = await session.open(flags);
  const intervalMs = flags.interval ?? WATCH_INTERVAL_MS;
  // Metadata is kept raw and decoded here, leniently: without --proto an unknown
  // metadata type shows as its name instead of ending the wait.
  const op = client.operation(name, {
    unpack: false,
    ...(watch ? { polling: { progressIntervalMs: intervalMs, maxDelayMs: intervalMs } } : {}),
  });
  const stop = new AbortController();
  const signal = session.io.signal === undefined ? stop.signal : AbortSignal.any([session.io.signal, stop.signal]);
  // Say what the wait is for: a silent terminal looks like a hang.
  session.status(`waiting for ${name} at ${session.target ?? '(no address)'}` +
    (session.flags.timeout === undefined ? '' : ` for at most ${session.flags.timeout} ms`) + ' (Ctrl-C stops waiting)');
  const states = session.flags.debug
    ? op.state$.subscribe({
      next: (state) => session.debugLine(`${state.name}: ${state.done ? 'done' : 'running'}` +
        (state.raw.metadata ? `, metadata ${state.raw.metadata.typeUrl} (${state.raw.metadata.value.length} bytes)` : '')),
      error: () => undefined, // promise() reports it
    })
    : undefined;

  let board: ProgressBoard | undefined;
  let task: ProgressTask | undefined;
  let subscription: Subscription | undefined;
  if (watch && !session.json) {
    board = createProgressBoard({ stream: session.io.stdout, tty: session.io.isTTY });
    const progressTask = board.task(name);
    task = progressTask;
    subscription = op.metadata$.subscribe({
      next: (metadata) => {
        try {
          const decoded = decoder.decode(metadata as Any, 'metadata');
          // An unknown type over HTTP/JSON still shows the progress its JSON form reports.
          const readable = decoded.decoded ? decoded.value : decoded.json;
          const progress = readable === undefined ? {} : extractProgress(readable);
          if (decoded.decoded || progress.percent !== undefined || progress.state !== undefined) progressTask.update(progress);
          else progressTask.update({}, decoded.typeName);
        } catch (error) {
          stop.abort(error); // e.g. a TypeMismatchError with --metadata-type: ends the wait
        }
      },
      error: () => undefined, // promise() rejects with the same error and reports it
    });
  }

  let failure: unknown;
  try {
    await op.promise({ signal, ...(session.flags.timeout === undefined ? {} : { timeoutMs: session.flags.timeout }) });
  } catch (error) {
    failure = error;
  } finally {
    subscription?.unsubscribe();
    states?.unsubscribe();
  }

  const final = op.latest?.raw;
  if (failure === undefined || failure instanceof OperationFailedError) {
    task?.finish(outcomeText(final), failure === undefined);
    board?.stop();
    // A done operation that does not decode (e.g. --response-type mismatch) throws here.
    if (final !== undefined) printOperation(session, decoder, final);
    if (failure === undefined) return ExitCode.success;
    session.errorLine(failure);
    return exitCodeFor(failure);
  }
  board?.stop();
  return session.fail(failure, decoder, final);
}

/** `cancel NAME`: CancelOperation. @internal */
export async function cancelCommand(session: Session, name: string): Promise<number> {
  const { client } = await session.open();
  await client.cancelOperation({ name }, session.callOptions);
  if (session.json) session.printJson({ name, cancelRequested: true });
  else session.print(`Cancellation requested for ${name} (best effort: it may still finish; see \`longrunning get\`).`);
  return ExitCode.success;
}

/** `delete NAME`: DeleteOperation. @internal */
export async function deleteCommand(session: Session, name: string): Promise<number> {
  const { client } = await session.open();
  await client.deleteOperation({ name }, session.callOptions);
  if (session.json) session.printJson({ name, deleted: true });
  else session.print(`Deleted ${name}.`);
  return ExitCode.success;
}

function printOperation(session: Session, decoder: AnyDecoder, operation: Operation): void {
  if (session.json) session.printJson(decoder.operationJson(operation));
  else session.print(decoder.operationText(operation));
}

/** A token as one shell word (page tokens are usually base64url, which needs no quotes). */
function shellQuote(text: string): string {
  return /^[\w\-.=/+:]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
