/**
 * `google.api.HttpRule` bindings of the Operations RPCs: the defaults of
 * `operations.proto`, rules a service gives to override them (its service config's
 * `http.rules`), how a request is bound to a URL (client side) and how a URL is routed
 * back to a method and request (the embedded server's side).
 *
 * A leaf: no `node:` built-in and no Node global, so the HTTP/JSON transport runs in
 * browsers, workers, Deno and Bun.
 *
 * @module
 */
import type { OperationsMethod } from '../types.js';

/**
 * A `google.api.HttpRule`, in the shape of a service config's `http.rules` entries, so
 * rules can be copied from an API's service YAML.
 *
 * @example
 * ```ts
 * import type { HttpRule } from 'longrunning-client';
 * const rules: HttpRule[] = [
 *   { selector: 'google.longrunning.Operations.ListOperations', get: '/v1/{name=users/*}/operations' },
 *   { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*\/operations/*}' },
 * ];
 * ```
 */
export interface HttpRule {
  /**
   * The fully qualified method the rule binds, e.g.
   * `google.longrunning.Operations.GetOperation`. Required on top-level rules; absent
   * on `additionalBindings`, which bind the same method.
   */
  selector?: string;
  /** A GET path template, e.g. `/v1/{name=operations/**}`. */
  get?: string;
  /** A PUT path template. */
  put?: string;
  /** A POST path template, e.g. `/v1/{name=operations/**}:cancel`. */
  post?: string;
  /** A DELETE path template. */
  delete?: string;
  /** A PATCH path template. */
  patch?: string;
  /** The request field sent as the body: `*` for every field not bound in the path; absent for none. */
  body?: string;
  /** More bindings of the same method, tried in order after this one. */
  additionalBindings?: readonly HttpRule[];
}

/** The HTTP methods an {@link HttpRule} can bind. */
export type HttpVerb = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

/**
 * A request bound to a URL: what the HTTP/JSON transport sends.
 *
 * @internal
 */
export interface BoundRequest {
  /** The HTTP method. */
  verb: HttpVerb;
  /** The path, percent-encoded, starting with `/`; appended to the base URL's path. */
  path: string;
  /** Query parameters (JSON field names), not yet encoded, in a stable order. */
  query: ReadonlyArray<readonly [string, string]>;
  /** The JSON body (a value for `JSON.stringify`), or undefined for none. */
  body: unknown;
}

/**
 * A URL routed back to a method: what the embedded server's HTTP front-end receives.
 *
 * @internal
 */
export interface RoutedRequest {
  /** The method whose binding matched. */
  method: OperationsMethod;
  /**
   * The request message in its proto3 JSON form (JSON field names): path variables,
   * query parameters and body merged as the binding says.
   */
  request: Record<string, unknown>;
}

/** Options of {@link HttpBindings}. @internal */
export interface HttpBindingsOptions {
  /**
   * Add the embedded server's default WaitOperation binding,
   * `POST /v1/{name=operations/**}:wait` (body `*`), when no rule binds WaitOperation.
   */
  waitBinding?: boolean;
  /** The option name errors use for the rules, e.g. `httpRules`. Default `httpRules`. */
  argument?: string;
}

/** The fully qualified name of an Operations method, as `HttpRule.selector` has it. @internal */
export function selectorOf(method: OperationsMethod): string {
  return `google.longrunning.Operations.${method}`;
}

/**
 * The bindings of the five Operations RPCs: the defaults of `operations.proto`, with
 * the given rules replacing them per selector. The constructor validates every rule and
 * template and throws `InvalidArgumentError` naming the rule (`httpRules[2].get`).
 *
 * @internal
 */
export class HttpBindings {
  constructor(rules?: readonly HttpRule[], options?: HttpBindingsOptions) {
    void rules;
    void options;
    throw new Error('HttpBindings: not implemented yet');
  }

  /** Whether any binding exists for the method (WaitOperation has none by default). */
  has(method: OperationsMethod): boolean {
    void method;
    throw new Error('not implemented');
  }

  /**
   * Binds a request (its proto3 JSON form, JSON field names) to the first binding of
   * the method whose template matches. Throws `InvalidArgumentError` naming the value
   * and the bindings tried when none matches, or when the method has no binding.
   */
  bind(method: OperationsMethod, request: Readonly<Record<string, unknown>>): BoundRequest {
    void method;
    void request;
    throw new Error('not implemented');
  }

  /**
   * The method and request a received URL stands for, or undefined when no binding
   * matches the path. `path` is the raw (percent-encoded) path without the query;
   * `body` the parsed JSON body (undefined for none).
   */
  route(verb: string, path: string, query: URLSearchParams, body: unknown): RoutedRequest | undefined {
    void verb;
    void path;
    void query;
    void body;
    throw new Error('not implemented');
  }

  /** The verbs whose bindings match `path` for some method (a 405's `Allow`). */
  verbsFor(path: string): HttpVerb[] {
    void path;
    throw new Error('not implemented');
  }

  /** Human-readable bindings of a method (`GET /v1/{name=operations/**}`), for error messages. */
  bindingsOf(method: OperationsMethod): string[] {
    void method;
    throw new Error('not implemented');
  }
}
