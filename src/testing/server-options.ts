/**
 * Validation of what tests hand to the embedded server: its options, its fault options,
 * unreachable collections and timeline steps. Each check throws an
 * {@link InvalidArgumentError} naming the option and the bad value, and resolves
 * defaults in one place.
 *
 * @internal
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { PortableTypeRegistry } from '../any/portable-type-registry.js';
import { InvalidArgumentError } from '../errors.js';
import { HttpBindings } from '../http/http-rule.js';
import { ProtoJsonCodec } from '../http/proto-json.js';
import { isNumberIn, NAME_RULE, nameProblem } from '../validation.js';
import type { ResolvedFaults } from './faults.js';
import type { ResolvedStep, StoreOptions } from './operation-store.js';
import type { FaultOptions, InMemoryOperationsServerOptions, OperationsMethod } from './api-types.js';
import { copyAnyInput, copyStatusInput } from './validate.js';

/** Defaults of {@link InMemoryOperationsServerOptions}, resolved in one place. */
const DEFAULTS = Object.freeze({
  waitOperation: true,
  port: 0,
  defaultPageSize: 50,
  maxPageSize: 1000,
  defaultWaitTimeoutMs: 30_000,
});

/** Every RPC: a Record over the one OperationsMethod type, so a missing or extra name does not compile. */
const KNOWN_METHODS: Readonly<Record<OperationsMethod, true>> = {
  GetOperation: true, ListOperations: true, CancelOperation: true, DeleteOperation: true, WaitOperation: true,
};

/** The five RPCs, in proto order. @internal */
export const OPERATIONS_METHODS: readonly OperationsMethod[] = Object.freeze(Object.keys(KNOWN_METHODS) as OperationsMethod[]);

/** Whether `value` names one of the five RPCs. @internal */
export function isMethod(value: unknown): value is OperationsMethod {
  return typeof value === 'string' && Object.hasOwn(KNOWN_METHODS, value);
}

/** What a method argument must be, for error messages. @internal */
export const METHOD_EXPECTATION = `one of ${OPERATIONS_METHODS.map((m) => `'${m}'`).join(', ')}`;

/** @internal */
export function isPositiveInteger(value: unknown): value is number {
  return isNumberIn(value, { min: 1, integer: true });
}

function isNonNegativeFinite(value: unknown): value is number {
  return isNumberIn(value, { min: 0, max: Number.MAX_VALUE });
}

/** {@link InMemoryOperationsServerOptions} with every default applied. @internal */
export interface ResolvedOptions extends StoreOptions {
  port: number;
  credentials: grpc.ServerCredentials;
  faults: ResolvedFaults | undefined;
  /** What the HTTP/JSON front-end serves with; undefined without `http: true`. */
  http: ResolvedHttp | undefined;
}

/** The HTTP/JSON front-end's bindings and codec, checked. @internal */
export interface ResolvedHttp {
  bindings: HttpBindings;
  codec: ProtoJsonCodec;
}

/**
 * Checks `http`, `httpRules` and `types`: the rules and types only make sense with
 * `http: true`, and a rule that does not parse is refused here, naming it.
 */
function resolveHttp(options: InMemoryOperationsServerOptions): ResolvedHttp | undefined {
  const { http = false, httpRules, types } = options;
  if (typeof http !== 'boolean') throw new InvalidArgumentError('options.http', http, 'a boolean');
  if (types !== undefined && !(types instanceof PortableTypeRegistry)) {
    throw new InvalidArgumentError('options.types', types, 'a TypeRegistry');
  }
  if (!http) {
    if (httpRules !== undefined) {
      throw new InvalidArgumentError('options.httpRules', httpRules, 'absent unless http: true (the rules bind the HTTP/JSON front-end)');
    }
    if (types !== undefined) {
      throw new InvalidArgumentError('options.types', types, 'absent unless http: true (the types render Anys as JSON)');
    }
    return undefined;
  }
  if (httpRules !== undefined && !Array.isArray(httpRules)) {
    throw new InvalidArgumentError('options.httpRules', httpRules, 'an array of HttpRule objects, or undefined');
  }
  const bindings = new HttpBindings(httpRules, { waitBinding: true, argument: 'options.httpRules' });
  const codec = new ProtoJsonCodec(types === undefined ? {} : { resolveType: (name) => types.messageType(name) });
  return { bindings, codec };
}

/**
 * Checks fault options; `argument` names them in errors (`options.faults` or `faults`).
 *
 * @throws {@link InvalidArgumentError} for an invalid field.
 * @internal
 */
export function resolveFaults(faults: FaultOptions | undefined, argument: string): ResolvedFaults | undefined {
  if (faults === undefined) return undefined;
  if (typeof faults !== 'object' || faults === null) {
    throw new InvalidArgumentError(argument, faults, 'an object of fault options, or undefined');
  }
  const unavailableRate = faults.unavailableRate ?? 0;
  if (typeof unavailableRate !== 'number' || !(unavailableRate >= 0 && unavailableRate <= 1)) {
    throw new InvalidArgumentError(`${argument}.unavailableRate`, unavailableRate, 'a probability between 0 and 1');
  }
  const latencyMs = faults.latencyMs ?? 0;
  let latency: readonly [number, number];
  if (Array.isArray(latencyMs)) {
    const [min, max] = latencyMs as readonly unknown[];
    if (latencyMs.length !== 2 || !isNonNegativeFinite(min) || !isNonNegativeFinite(max) || min > max) {
      throw new InvalidArgumentError(`${argument}.latencyMs`, latencyMs,
        'a non-negative number of milliseconds, or a [min, max] pair with 0 <= min <= max');
    }
    latency = [min, max];
  } else if (isNonNegativeFinite(latencyMs)) {
    latency = [latencyMs, latencyMs];
  } else {
    throw new InvalidArgumentError(`${argument}.latencyMs`, latencyMs,
      'a non-negative number of milliseconds, or a [min, max] pair with 0 <= min <= max');
  }
  const { retryDelayMs } = faults;
  if (retryDelayMs !== undefined && !isNonNegativeFinite(retryDelayMs)) {
    throw new InvalidArgumentError(`${argument}.retryDelayMs`, retryDelayMs, 'a non-negative number of milliseconds');
  }
  const methods = faults.methods ?? OPERATIONS_METHODS;
  if (!Array.isArray(methods)) {
    throw new InvalidArgumentError(`${argument}.methods`, methods, `an array of method names (${METHOD_EXPECTATION})`);
  }
  methods.forEach((method: unknown, index) => {
    if (!isMethod(method)) throw new InvalidArgumentError(`${argument}.methods[${index}]`, method, METHOD_EXPECTATION);
  });
  const random = faults.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new InvalidArgumentError(`${argument}.random`, random, 'a function returning numbers in [0, 1)');
  }
  return { unavailableRate, latency, retryDelayMs, methods: new Set(methods), random };
}

/**
 * Checks a list of unreachable collections.
 *
 * @throws {@link InvalidArgumentError} for a value that is not an array of non-empty
 * collection names.
 * @internal
 */
export function resolveUnreachable(value: unknown, argument: string): string[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(argument, value, 'an array of collection names');
  }
  return value.map((collection: unknown, index) => {
    // Non-empty: the empty collection is the whole server, never one unreachable part.
    if (nameProblem(collection, 'operation') !== undefined) {
      throw new InvalidArgumentError(`${argument}[${index}]`, collection,
        `a non-empty collection name ${NAME_RULE}`);
    }
    return collection as string;
  });
}

/**
 * Checks the options of `InMemoryOperationsServer.start` and applies their defaults.
 *
 * @throws {@link InvalidArgumentError} for an invalid option.
 * @internal
 */
export function resolveOptions(options: InMemoryOperationsServerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', options, 'an object of InMemoryOperationsServer options, or undefined');
  }
  const waitOperation = options.waitOperation ?? DEFAULTS.waitOperation;
  if (typeof waitOperation !== 'boolean') {
    throw new InvalidArgumentError('options.waitOperation', waitOperation, 'a boolean');
  }
  const port = options.port ?? DEFAULTS.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('options.port', port, 'an integer from 0 (any free port) to 65535');
  }
  const credentials = options.credentials ?? grpc.ServerCredentials.createInsecure();
  if (!(credentials instanceof grpc.ServerCredentials)) {
    throw new InvalidArgumentError('options.credentials', credentials, 'a grpc.ServerCredentials');
  }
  const defaultPageSize = options.defaultPageSize ?? DEFAULTS.defaultPageSize;
  if (!isPositiveInteger(defaultPageSize)) {
    throw new InvalidArgumentError('options.defaultPageSize', defaultPageSize, 'a positive integer');
  }
  const maxPageSize = options.maxPageSize ?? Math.max(DEFAULTS.maxPageSize, defaultPageSize);
  if (!isPositiveInteger(maxPageSize) || maxPageSize < defaultPageSize) {
    throw new InvalidArgumentError('options.maxPageSize', maxPageSize,
      `a positive integer no smaller than defaultPageSize (${defaultPageSize})`);
  }
  const defaultWaitTimeoutMs = options.defaultWaitTimeoutMs ?? DEFAULTS.defaultWaitTimeoutMs;
  // A timeout like the client's: any number from 0, Infinity (no limit) included.
  if (typeof defaultWaitTimeoutMs !== 'number' || !(defaultWaitTimeoutMs >= 0)) {
    throw new InvalidArgumentError('options.defaultWaitTimeoutMs', defaultWaitTimeoutMs,
      'a number of milliseconds from 0 to Infinity (no limit)');
  }
  return {
    waitOperation,
    port,
    credentials,
    defaultPageSize,
    maxPageSize,
    defaultWaitTimeoutMs,
    unreachable: resolveUnreachable(options.unreachable ?? [], 'options.unreachable'),
    faults: resolveFaults(options.faults, 'options.faults'),
    http: resolveHttp(options),
  };
}

/**
 * Checks the steps of a scripted timeline and copies their values.
 *
 * @throws {@link InvalidArgumentError} naming the first malformed step.
 * @internal
 */
export function resolveSteps(steps: unknown): ResolvedStep[] {
  if (!Array.isArray(steps)) {
    throw new InvalidArgumentError('steps', steps, 'an array of timeline steps');
  }
  return steps.map((step: unknown, index): ResolvedStep => {
    const argument = `steps[${index}]`;
    if (typeof step !== 'object' || step === null) {
      throw new InvalidArgumentError(argument, step,
        'a step: { afterMs, metadata } | { afterMs, done: true, response? } | { afterMs, error }');
    }
    const { afterMs, metadata, done, response, error } =
      step as { afterMs?: unknown; metadata?: unknown; done?: unknown; response?: unknown; error?: unknown };
    if (!isNonNegativeFinite(afterMs)) {
      throw new InvalidArgumentError(`${argument}.afterMs`, afterMs,
        'a non-negative number of milliseconds after the previous step');
    }
    if (index > 0) {
      const previous = steps[index - 1] as { done?: unknown; error?: unknown };
      if (previous.done === true || previous.error !== undefined) {
        throw new InvalidArgumentError(argument, step,
          'absent: a step after a terminal step (done or error) would never run');
      }
    }
    const resolved: ResolvedStep = {
      afterMs,
      metadata: metadata === undefined ? undefined : copyAnyInput(metadata, `${argument}.metadata`),
      end: undefined,
    };
    if (error !== undefined) {
      if (response !== undefined) {
        throw new InvalidArgumentError(`${argument}.response`, response, 'absent when the step has an error');
      }
      if (done !== undefined && done !== true) {
        throw new InvalidArgumentError(`${argument}.done`, done, 'true or absent when the step has an error');
      }
      resolved.end = { error: copyStatusInput(error, `${argument}.error`) };
    } else if (done !== undefined) {
      if (done !== true) {
        throw new InvalidArgumentError(`${argument}.done`, done, 'true (omit it for a metadata-only step)');
      }
      resolved.end = { response: response === undefined ? undefined : copyAnyInput(response, `${argument}.response`) };
    } else if (response !== undefined) {
      throw new InvalidArgumentError(`${argument}.done`, done, 'true when the step has a response');
    } else if (resolved.metadata === undefined) {
      throw new InvalidArgumentError(argument, step,
        'a step that changes something: metadata, done: true, or an error');
    }
    return resolved;
  });
}
