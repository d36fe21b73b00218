/**
 * One OpenTelemetry span per wait of an operation handle (one poll-loop run, shared by
 * every `promise()` caller and `state$` subscriber of the run): named `longrunning.wait`
 * with the operation's name as an attribute, the run's RPC spans as its children, an
 * event per state change (with the progress when the metadata has one), and the outcome
 * (`ok`, `failed`, `cancelled`, `timed_out`, `aborted`) as an attribute and a status.
 *
 * @internal
 * @module
 */
import {
  OperationCancelledError, OperationFailedError, PollTimeoutError, RpcError, TypeMismatchError,
} from '../errors.js';
import {
  activeTelemetry, SPAN_KIND, SPAN_STATUS, type Attributes, type OtelApi, type OtelContext, type OtelSpan,
} from './otel-api.js';

/** How a wait ended. @internal */
export type WaitOutcome = 'ok' | 'failed' | 'cancelled' | 'timed_out' | 'aborted';

/** The span name: low-cardinality, the operation's name is an attribute. */
const WAIT_SPAN_NAME = 'longrunning.wait';

/**
 * A traced poll-loop run. Exists only while a tracer provider is registered and the
 * span records.
 *
 * @internal
 */
export class WaitTrace {
  readonly #api: OtelApi;
  readonly #span: OtelSpan;
  readonly #context: OtelContext;
  #states = 0;
  #ended = false;

  private constructor(api: OtelApi, span: OtelSpan, context: OtelContext) {
    this.#api = api;
    this.#span = span;
    this.#context = context;
  }

  /** Starts the span of a run waiting on `operationName`; undefined without a recording tracer. */
  static start(operationName: string): WaitTrace | undefined {
    const telemetry = activeTelemetry();
    if (telemetry === undefined) return undefined;
    const { api, tracer } = telemetry;
    const parent = api.context.active();
    const span = tracer.startSpan(WAIT_SPAN_NAME, {
      kind: SPAN_KIND.internal, attributes: { 'longrunning.operation.name': operationName },
    }, parent);
    // Not recording (sampled out): the RPC spans still find the parent's context.
    if (!span.isRecording()) return undefined;
    return new WaitTrace(api, span, api.trace.setSpan(parent, span));
  }

  /** Runs `loop` with the span active: the loop's RPC spans (in its async continuations) become its children. */
  run<T>(loop: () => T): T {
    return this.#api.context.with(this.#context, loop);
  }

  /** A distinct state arrived; `progress` is its fraction done (0-1) when the metadata tells it. */
  stateChanged(done: boolean, progress: number | undefined): void {
    if (this.#ended) return;
    this.#states++;
    const attributes: Attributes = { 'longrunning.operation.done': done };
    if (progress !== undefined) attributes['longrunning.operation.progress'] = progress;
    this.#span.addEvent('state', attributes);
  }

  /**
   * Ends the span with how the run ended: `error` undefined is `ok`; the handle's typed
   * errors map to `failed` / `cancelled` / `timed_out`; anything else (the last waiter
   * left, the caller's abort, the client closed) is `aborted`, which is not an error of
   * the operation and leaves the status unset.
   */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const outcome = waitOutcomeOf(error);
    const attributes: Attributes = { 'longrunning.wait.outcome': outcome, 'longrunning.wait.states': this.#states };
    if (error instanceof OperationFailedError || error instanceof RpcError) attributes['longrunning.status_code'] = error.code;
    if (error !== undefined && outcome !== 'aborted') {
      attributes['error.type'] = error instanceof Error ? error.name : typeof error;
    }
    this.#span.setAttributes(attributes);
    if (outcome === 'ok') this.#span.setStatus({ code: SPAN_STATUS.ok });
    else if (outcome !== 'aborted') {
      this.#span.setStatus({ code: SPAN_STATUS.error, message: error instanceof Error ? error.message : String(error) });
    }
    this.#span.end();
  }
}

/** What a run's end (the error `promise()` gets, or none) means as an outcome. @internal */
export function waitOutcomeOf(error: unknown): WaitOutcome {
  if (error === undefined) return 'ok';
  if (error instanceof OperationCancelledError) return 'cancelled';
  if (error instanceof PollTimeoutError) return 'timed_out';
  // A response that does not unpack ends the wait for everyone, like a failure.
  if (error instanceof OperationFailedError || error instanceof RpcError || error instanceof TypeMismatchError) return 'failed';
  return 'aborted';
}
