/**
 * The optional `@opentelemetry/api`: found once per process, kept, and asked on each
 * call whether anyone records spans.
 *
 * The package is an optional peer dependency, so nothing here imports it statically,
 * not even its types (a declaration naming it would break a user's type check without
 * it): the few members used are described structurally below. Browser-safe: no `node:`
 * import. The Node entry finds it synchronously (`require`, see operations-client.ts),
 * so the first call after the import is traced; elsewhere a dynamic `import()` runs at
 * the first client's construction, and calls made before it settles are not traced.
 *
 * @internal
 * @module
 */

/** Span and attribute values, as the API takes them. @internal */
export type AttributeValue = string | number | boolean;
/** @internal */
export type Attributes = Record<string, AttributeValue>;

/** An OpenTelemetry `Context` (opaque here). @internal */
export type OtelContext = object;

/** The members of an OpenTelemetry `Span` the SDK uses. @internal */
export interface OtelSpan {
  isRecording(): boolean;
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  setAttribute(key: string, value: AttributeValue): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The members of an OpenTelemetry `Tracer` the SDK uses. @internal */
export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes }, context?: OtelContext): OtelSpan;
}

/** The members of `@opentelemetry/api`'s module the SDK uses. @internal */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    getTracerProvider(): object;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    isSpanContextValid(spanContext: ReturnType<OtelSpan['spanContext']>): boolean;
  };
  context: {
    active(): OtelContext;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: OtelContext, fn: F, thisArg?: unknown, ...args: A): ReturnType<F>;
  };
  propagation: {
    inject(context: OtelContext, carrier: Record<string, string>): void;
  };
  ProxyTracerProvider: new () => { getDelegate(): object };
}

/** `SpanKind.CLIENT` and `INTERNAL` (stable numbers of the API). @internal */
export const SPAN_KIND = Object.freeze({ internal: 0, client: 2 });
/** `SpanStatusCode` (stable numbers of the API). @internal */
export const SPAN_STATUS = Object.freeze({ unset: 0, ok: 1, error: 2 });

/** The name spans are recorded under (the instrumentation scope). */
const TRACER_NAME = 'longrunning-client';
/** The package specifier; in a variable so bundlers do not require it to be installed (docs/observability.md). */
const API_SPECIFIER = '@opentelemetry/api';

/** The API and what is derived from it once. */
interface Loaded {
  readonly api: OtelApi;
  readonly tracer: OtelTracer;
  /** The API's no-op provider: the global provider delegates to it until an SDK registers one. */
  readonly noopProvider: object;
}

/** undefined: not looked for yet; null: not installed (or not usable). */
let loaded: Loaded | null | undefined;
let loading: Promise<void> | undefined;

function adopt(module: unknown): Loaded | null {
  // The namespace itself; its `default` (the API's default export) lacks the classes.
  const api = isOtelApi(module) ? module : (module as { default?: unknown } | undefined)?.default;
  if (!isOtelApi(api)) return null;
  return {
    api,
    tracer: api.trace.getTracer(TRACER_NAME),
    noopProvider: new api.ProxyTracerProvider().getDelegate(),
  };
}

function isOtelApi(value: unknown): value is OtelApi {
  const api = value as Partial<OtelApi> | undefined;
  return typeof api?.trace?.getTracer === 'function' && typeof api.context?.with === 'function'
    && typeof api.propagation?.inject === 'function' && typeof api.ProxyTracerProvider === 'function';
}

/**
 * Looks for `@opentelemetry/api` once per process: with `loadSync` when the platform
 * can load it synchronously (Node's `require`), else with a dynamic `import()`. Never
 * throws: a missing or unusable package means no telemetry.
 *
 * @internal
 */
export function loadOpenTelemetry(loadSync?: () => unknown): void {
  if (loaded !== undefined || loading !== undefined) return;
  if (loadSync !== undefined) {
    try {
      loaded = adopt(loadSync());
    } catch {
      loaded = null;
    }
    return;
  }
  loading = import(/* webpackIgnore: true */ /* @vite-ignore */ API_SPECIFIER).then(
    (module: unknown) => {
      loaded = adopt(module);
    },
    () => {
      loaded = null;
    },
  );
}

/**
 * Settles when the search for `@opentelemetry/api` has ended (at once when it was
 * synchronous, or never started). For tests and for callers who must trace their
 * first call in a browser.
 *
 * @internal
 */
export function openTelemetryLoaded(): Promise<void> {
  return loading ?? Promise.resolve();
}

/**
 * The API and the SDK's tracer when a tracer provider is registered; undefined when
 * the API is absent, still loading, or has only its no-op provider: then callers skip
 * every span, attribute and header (the "costs nothing" path).
 *
 * @internal
 */
export function activeTelemetry(): Loaded | undefined {
  if (!loaded) return undefined;
  const provider = loaded.api.trace.getTracerProvider() as { getDelegate?: () => object };
  // Without an SDK, the global provider is the API's proxy delegating to the no-op.
  if (typeof provider.getDelegate === 'function' && provider.getDelegate() === loaded.noopProvider) return undefined;
  return loaded;
}

/**
 * Whether `@opentelemetry/api` was found: true, false, or undefined while looking
 * (or before the first client). For tests and the no-OpenTelemetry check.
 *
 * @internal
 */
export function openTelemetryFound(): boolean | undefined {
  return loaded === undefined ? undefined : loaded !== null;
}

/**
 * Replaces what was found with `module` (`null`: as if not installed). For the
 * call-overhead benchmark, which compares "no API" with "API, no SDK" in one process.
 *
 * @internal
 */
export function useOpenTelemetryModule(module: unknown): void {
  loaded = module === null ? null : adopt(module);
}
