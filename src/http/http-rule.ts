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
import { InvalidArgumentError } from '../errors.js';
import type { OperationsMethod } from '../types.js';
import { parsePathTemplate, type PathTemplate } from './path-template.js';

/**
 * A `google.api.HttpRule`, in the shape of a service config's `http.rules` entries, so
 * rules can be copied from an API's service YAML (with camelCase keys:
 * `additionalBindings`, not `additional_bindings`).
 *
 * A rule replaces the default binding of its `selector`; its `additionalBindings` are
 * tried in order after it, and the first binding whose template matches the request's
 * name is used. Path variables must be string fields of the method's request (`name`;
 * for ListOperations also `filter` and `pageToken`). Fields the path does not bind go to
 * the body when `body` is `*`, the named field goes to the body when `body` names one,
 * and the rest go to the query string under their JSON names (`pageSize`, `pageToken`,
 * `filter`, `returnPartialSuccess`; WaitOperation's `timeout` as a Duration such as
 * `"5s"`), default values left out. `custom` and `responseBody` are not supported.
 *
 * Note that a service that keeps its operations under `users/*` lists them with
 * `GET /v1/{name=users/*}/operations`: its ListOperations takes the *parent* name
 * (`users/alice`), not a collection name ending in `operations`.
 *
 * @example
 * ```ts
 * import type { HttpRule } from 'longrunning-client';
 * const rules: HttpRule[] = [
 *   { selector: 'google.longrunning.Operations.ListOperations', get: '/v1/{name=users/*}/operations' },
 *   { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=users/*\/operations/*}' },
 * ];
 * // ListOperations then takes the parent: listOperations({ name: 'users/alice' })
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

/** How a request field is written to and read from a query string. */
type FieldKind = 'string' | 'int32' | 'bool' | 'duration';

/** A request field: its JSON name, its proto name (accepted as an alias) and its kind. */
interface FieldSpec {
  readonly json: string;
  readonly proto: string;
  readonly kind: FieldKind;
}

const NAME: FieldSpec = { json: 'name', proto: 'name', kind: 'string' };

/** The fields of each method's request, in proto field order (the query's order). */
const FIELDS: Readonly<Record<OperationsMethod, readonly FieldSpec[]>> = Object.freeze({
  ListOperations: [
    NAME,
    { json: 'filter', proto: 'filter', kind: 'string' },
    { json: 'pageSize', proto: 'page_size', kind: 'int32' },
    { json: 'pageToken', proto: 'page_token', kind: 'string' },
    { json: 'returnPartialSuccess', proto: 'return_partial_success', kind: 'bool' },
  ],
  GetOperation: [NAME],
  DeleteOperation: [NAME],
  CancelOperation: [NAME],
  WaitOperation: [NAME, { json: 'timeout', proto: 'timeout', kind: 'duration' }],
});

/**
 * The order in which `route` tries the methods: ListOperations before GetOperation, so
 * `GET /v1/operations` lists and `GET /v1/operations/x` gets.
 */
const ROUTE_ORDER: readonly OperationsMethod[] =
  ['ListOperations', 'GetOperation', 'DeleteOperation', 'CancelOperation', 'WaitOperation'];

const VERBS: readonly HttpVerb[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];
const VERB_KEYS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const RULE_KEYS: ReadonlySet<string> = new Set(['selector', ...VERB_KEYS, 'body', 'additionalBindings']);

/** The bindings of `google/longrunning/operations.proto`. */
const DEFAULT_RULES: readonly HttpRule[] = Object.freeze([
  { selector: selectorOf('ListOperations'), get: '/v1/{name=operations}' },
  { selector: selectorOf('GetOperation'), get: '/v1/{name=operations/**}' },
  { selector: selectorOf('DeleteOperation'), delete: '/v1/{name=operations/**}' },
  { selector: selectorOf('CancelOperation'), post: '/v1/{name=operations/**}:cancel', body: '*' },
]);

/** The embedded server's WaitOperation binding (operations.proto has none). */
const WAIT_RULE: HttpRule = Object.freeze({
  selector: selectorOf('WaitOperation'), post: '/v1/{name=operations/**}:wait', body: '*',
});

/** One binding of a method: a verb, a template and where the unbound fields go. */
interface Binding {
  readonly verb: HttpVerb;
  readonly template: PathTemplate;
  /** `*`, a field's JSON name, or undefined (no body). */
  readonly body: string | undefined;
  /** `GET /v1/{name=operations/**}`, for messages. */
  readonly label: string;
}

const METHOD_OF_SELECTOR: ReadonlyMap<string, OperationsMethod> =
  new Map(ROUTE_ORDER.map((method) => [selectorOf(method), method]));

/**
 * The bindings of the five Operations RPCs: the defaults of `operations.proto`, with
 * the given rules replacing them per selector. The constructor validates every rule and
 * template and throws `InvalidArgumentError` naming the rule (`httpRules[2].get`).
 *
 * @internal
 */
export class HttpBindings {
  readonly #bindings = new Map<OperationsMethod, readonly Binding[]>();

  /**
   * @param rules - The service's rules; each replaces the default binding of its selector.
   * @throws {@link InvalidArgumentError} for a rule that is not an object, has an
   * unknown key, none or several verbs, a malformed template, a missing, unknown or
   * repeated selector, nested `additionalBindings`, a `body` the method lacks, or
   * `custom` / `responseBody` (not supported).
   */
  constructor(rules?: readonly HttpRule[], options?: HttpBindingsOptions) {
    const argument = options?.argument ?? 'httpRules';
    for (const rule of DEFAULT_RULES) this.#add(rule, 'default rule');
    if (rules === undefined) {
      // the defaults
    } else if (!Array.isArray(rules)) {
      throw new InvalidArgumentError(argument, rules, 'an array of google.api.HttpRule objects');
    } else {
      const seen = new Map<string, number>();
      const given = new Map<OperationsMethod, readonly Binding[]>();
      rules.forEach((rule: unknown, index) => {
        const path = `${argument}[${index}]`;
        const method = checkSelector(rule, path);
        const selector = selectorOf(method);
        const earlier = seen.get(selector);
        if (earlier !== undefined) {
          throw new InvalidArgumentError(`${path}.selector`, selector,
            `a selector no other rule has (${argument}[${earlier}] already binds ${selector}; put further bindings in its additionalBindings)`);
        }
        seen.set(selector, index);
        given.set(method, parseRule(rule as Record<string, unknown>, method, path));
      });
      for (const [method, bindings] of given) this.#bindings.set(method, bindings);
    }
    if (options?.waitBinding === true && !this.#bindings.has('WaitOperation')) this.#add(WAIT_RULE, 'default rule');
  }

  /** Whether any binding exists for the method (WaitOperation has none by default). */
  has(method: OperationsMethod): boolean {
    return this.#bindings.has(method);
  }

  /**
   * Binds a request (its proto3 JSON form, JSON field names) to the first binding of
   * the method whose template matches. Throws `InvalidArgumentError` naming the value
   * and the bindings tried when none matches, or when the method has no binding.
   * Keys of `request` that are not fields of the method's request are ignored.
   */
  bind(method: OperationsMethod, request: Readonly<Record<string, unknown>>): BoundRequest {
    const bindings = this.#bindings.get(method);
    if (bindings === undefined) {
      throw new InvalidArgumentError('method', method,
        `a method with an HTTP binding; ${selectorOf(method)} has none (add an HttpRule for it)`);
    }
    for (const binding of bindings) {
      const path = binding.template.expand(request);
      if (path === undefined) continue;
      const bound = new Set(binding.template.variables);
      const query: Array<readonly [string, string]> = [];
      let body: unknown;
      if (binding.body === '*') {
        const fields: Record<string, unknown> = {};
        for (const field of FIELDS[method]) {
          const value = request[field.json];
          if (!bound.has(field.json) && !isDefault(value)) fields[field.json] = value;
        }
        body = fields;
      } else {
        if (binding.body !== undefined) body = request[binding.body];
        for (const field of FIELDS[method]) {
          const value = request[field.json];
          if (bound.has(field.json) || field.json === binding.body || isDefault(value)) continue;
          query.push([field.json, queryValue(value, field)]);
        }
      }
      return { verb: binding.verb, path, query, body };
    }
    const field = bindings[0]?.template.variables[0] ?? 'name';
    const value = request[field];
    throw new InvalidArgumentError(`request.${field}`, value,
      `a ${field} matching one of the ${method} bindings (${bindings.map((binding) => binding.label).join(', ')})`);
  }

  /**
   * The method and request a received URL stands for, or undefined when no binding
   * matches the path. `path` is the raw (percent-encoded) path without the query;
   * `body` the parsed JSON body (undefined for none).
   *
   * Methods are tried in the order ListOperations, GetOperation, DeleteOperation,
   * CancelOperation, WaitOperation, each binding in order. The request merges the query
   * parameters (JSON names; proto names such as `page_size` are accepted too), the body
   * (its fields for body `*` when it is a JSON object; the named field otherwise) and the
   * path variables, later ones winning. `pageSize` becomes a number when it is an
   * integer and `returnPartialSuccess` a boolean when it is `true` or `false`; other
   * values, and unknown parameters, stay strings for the caller to check and reject.
   */
  route(verb: string, path: string, query: URLSearchParams, body: unknown): RoutedRequest | undefined {
    const upper = verb.toUpperCase();
    for (const method of ROUTE_ORDER) {
      for (const binding of this.#bindings.get(method) ?? []) {
        if (binding.verb !== upper) continue;
        const variables = binding.template.match(path);
        if (variables === undefined) continue;
        const request: Record<string, unknown> = {};
        for (const [key, value] of query) {
          const field = FIELDS[method].find((spec) => spec.json === key || spec.proto === key);
          const name = field?.json ?? key;
          if (!Object.hasOwn(request, name)) request[name] = field === undefined ? value : fromQuery(value, field);
        }
        if (binding.body === '*') {
          if (isJsonObject(body)) Object.assign(request, body);
        } else if (binding.body !== undefined && body !== undefined) {
          request[binding.body] = body;
        }
        Object.assign(request, variables);
        return { method, request };
      }
    }
    return undefined;
  }

  /** The verbs whose bindings match `path` for some method (a 405's `Allow`). */
  verbsFor(path: string): HttpVerb[] {
    const verbs = new Set<HttpVerb>();
    for (const bindings of this.#bindings.values()) {
      for (const binding of bindings) if (binding.template.match(path) !== undefined) verbs.add(binding.verb);
    }
    return VERBS.filter((verb) => verbs.has(verb));
  }

  /** Human-readable bindings of a method (`GET /v1/{name=operations/**}`), for error messages. */
  bindingsOf(method: OperationsMethod): string[] {
    return (this.#bindings.get(method) ?? []).map((binding) => binding.label);
  }

  #add(rule: HttpRule, path: string): void {
    const method = checkSelector(rule, path);
    this.#bindings.set(method, parseRule(rule as Record<string, unknown>, method, path));
  }
}

/** The method a top-level rule binds; throws when it is not an object or its selector is wrong. */
function checkSelector(rule: unknown, path: string): OperationsMethod {
  if (!isJsonObject(rule)) throw new InvalidArgumentError(path, rule, 'a google.api.HttpRule object');
  const selector = rule.selector;
  const method = typeof selector === 'string' ? METHOD_OF_SELECTOR.get(selector) : undefined;
  if (method === undefined) {
    throw new InvalidArgumentError(`${path}.selector`, selector,
      `the fully qualified name of a google.longrunning.Operations method (${[...METHOD_OF_SELECTOR.keys()].join(', ')})`);
  }
  return method;
}

/** The bindings of one top-level rule: its own, then its additional bindings in order. */
function parseRule(rule: Record<string, unknown>, method: OperationsMethod, path: string): Binding[] {
  const bindings = [parseBinding(rule, method, path, true)];
  const additional = rule.additionalBindings;
  if (additional !== undefined) {
    if (!Array.isArray(additional)) {
      throw new InvalidArgumentError(`${path}.additionalBindings`, additional, 'an array of google.api.HttpRule objects');
    }
    additional.forEach((extra: unknown, index) => {
      const extraPath = `${path}.additionalBindings[${index}]`;
      if (!isJsonObject(extra)) throw new InvalidArgumentError(extraPath, extra, 'a google.api.HttpRule object');
      if (extra.additionalBindings !== undefined) {
        throw new InvalidArgumentError(`${extraPath}.additionalBindings`, extra.additionalBindings,
          'absent: additional bindings cannot have additional bindings of their own (google.api.HttpRule)');
      }
      if (extra.selector !== undefined && extra.selector !== rule.selector) {
        throw new InvalidArgumentError(`${extraPath}.selector`, extra.selector,
          `absent (an additional binding binds its rule's method, ${String(rule.selector)})`);
      }
      bindings.push(parseBinding(extra, method, extraPath, false));
    });
  }
  return bindings;
}

/** One binding of a rule (its keys, verb, template and body), checked. */
function parseBinding(rule: Record<string, unknown>, method: OperationsMethod, path: string, topLevel: boolean): Binding {
  for (const [key, value] of Object.entries(rule)) {
    if (value === undefined || RULE_KEYS.has(key)) continue;
    throw new InvalidArgumentError(`${path}.${key}`, value, unknownKeyExpectation(key, topLevel));
  }
  const verbs = VERB_KEYS.filter((key) => rule[key] !== undefined);
  if (verbs.length !== 1) {
    throw new InvalidArgumentError(path, rule,
      `a google.api.HttpRule with exactly one of get, put, post, delete, patch (it has ${verbs.length === 0 ? 'none' : verbs.join(' and ')})`);
  }
  const verbKey = verbs[0];
  const template = parsePathTemplate(rule[verbKey], `${path}.${verbKey}`);
  const fields = FIELDS[method];
  const fieldList = (kind?: FieldKind) => fields.filter((field) => kind === undefined || field.kind === kind).map((field) => field.json).join(', ');
  if (template.hasAnonymousWildcards) {
    throw new InvalidArgumentError(`${path}.${verbKey}`, template.source,
      'a path template whose "*" and "**" are all inside variables (the client has nothing to fill an anonymous wildcard with)');
  }
  for (const variable of template.variables) {
    if (!fields.some((field) => field.json === variable && field.kind === 'string')) {
      throw new InvalidArgumentError(`${path}.${verbKey}`, template.source,
        `a path template whose variables are string fields of the ${method} request (${fieldList('string')}); "${variable}" is not`);
    }
  }
  const verb = verbKey.toUpperCase() as HttpVerb;
  let body = rule.body;
  if (body !== undefined) {
    if (verb === 'GET') {
      throw new InvalidArgumentError(`${path}.body`, body, 'absent on a GET binding (a GET request has no body)');
    }
    const field = typeof body === 'string' ? fields.find((spec) => spec.json === body || spec.proto === body) : undefined;
    if (body !== '*' && field === undefined) {
      throw new InvalidArgumentError(`${path}.body`, body, `"*" or a field of the ${method} request (${fieldList()})`);
    }
    if (field !== undefined && template.variables.includes(field.json)) {
      throw new InvalidArgumentError(`${path}.body`, body, `a field the path does not bind ("${field.json}" is in ${template.source})`);
    }
    body = field?.json ?? '*';
  }
  return { verb, template, body: body as string | undefined, label: `${verb} ${template.source}` };
}

function unknownKeyExpectation(key: string, topLevel: boolean): string {
  switch (key) {
    case 'custom':
      return 'absent: custom HTTP methods are not supported (bind with get, put, post, delete or patch)';
    case 'responseBody':
    case 'response_body':
      return 'absent: responseBody is not supported (the response is the whole message)';
    case 'additional_bindings':
      return 'absent: it is not a field of google.api.HttpRule here (did you mean `additionalBindings`?)';
    default:
      return `absent: "${key}" is not a field of google.api.HttpRule (fields: ${[...RULE_KEYS].filter((known) => topLevel || known !== 'additionalBindings').join(', ')})`;
  }
}

/** Default values are left out of the query and the body, as proto3 JSON leaves them out. */
function isDefault(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === 0 || value === false;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request field's value as a query parameter (its proto3 JSON form as text). */
function queryValue(value: unknown, field: FieldSpec): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new InvalidArgumentError(`request.${field.json}`, value, 'a string, number or boolean (the field\'s proto3 JSON form)');
}

/** A query parameter's value as the field's JSON value, or the string as given when it does not convert. */
function fromQuery(value: string, field: FieldSpec): unknown {
  if (field.kind === 'int32' && /^-?\d+$/.test(value)) return Number(value);
  if (field.kind === 'bool' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
