/**
 * The proto3 JSON mapping of the Operations messages, as Google's canonical encoder
 * (protobuf's `json_format`) writes it: Operation, ListOperationsResponse, the requests,
 * google.rpc.Status and their Anys (`@type`; a well-known type's JSON under `value`,
 * Empty as a bare `@type`; other messages inlined), int64 as strings, bytes as base64,
 * default values omitted, unknown fields ignored when reading. Also the HTTP error
 * envelope `{"error": {code, message, status, details}}` and the HTTP/gRPC status maps.
 *
 * The Operations messages themselves are mapped by hand (to and from the public
 * shapes); what an Any holds goes through message-json.ts, by protobufjs reflection.
 * The google.protobuf types come from protobufjs' bundled common protos and the
 * google.rpc ones from the generated rpc-descriptor.ts (any/well-known.ts, the Root the
 * TypeRegistry shares): nothing reads the file system.
 *
 * A leaf: no `node:` built-in and no Node global (see http-rule.ts).
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import { wellKnownType } from '../any/well-known.js';
import { Code, codeName } from '../code.js';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation,
  OperationsMethod, RequestOf, Status, WaitOperationRequest,
} from '../types.js';
import { JsonMappingError, UnknownAnyTypeError } from './json-error.js';
import {
  durationFromJson, durationToJson, integerFromJson, isJsonObject, type JsonObject, mismatch,
} from './json-scalars.js';
import { MessageJsonMapper, type ReadMode } from './message-json.js';

export { JsonMappingError } from './json-error.js';
export type { JsonObject } from './json-scalars.js';

/** Options of {@link ProtoJsonCodec}. @internal */
export interface ProtoJsonOptions {
  /**
   * The message type of a fully qualified name, for Anys of types other than the
   * well-known and google.rpc ones (which the codec knows); undefined when unknown.
   */
  resolveType?: (typeName: string) => protobuf.Type | undefined;
}

/** An HTTP error response: its status and JSON body. @internal */
export interface ErrorEnvelope {
  /** The HTTP status (from the gRPC code, Google's mapping). */
  httpStatus: number;
  /** `{"error": {"code": httpStatus, "message", "status": "NOT_FOUND", "details": [...]}}`. */
  body: JsonObject;
}

/** Google's gRPC-to-HTTP mapping (google/rpc/code.proto's comments, ESF). */
const HTTP_STATUS_OF_CODE: ReadonlyMap<number, number> = new Map<number, number>([
  [Code.OK, 200],
  [Code.CANCELLED, 499],
  [Code.UNKNOWN, 500],
  [Code.INVALID_ARGUMENT, 400],
  [Code.DEADLINE_EXCEEDED, 504],
  [Code.NOT_FOUND, 404],
  [Code.ALREADY_EXISTS, 409],
  [Code.PERMISSION_DENIED, 403],
  [Code.UNAUTHENTICATED, 401],
  [Code.RESOURCE_EXHAUSTED, 429],
  [Code.FAILED_PRECONDITION, 400],
  [Code.ABORTED, 409],
  [Code.OUT_OF_RANGE, 400],
  [Code.UNIMPLEMENTED, 501],
  [Code.INTERNAL, 500],
  [Code.UNAVAILABLE, 503],
  [Code.DATA_LOSS, 500],
]);

/**
 * The HTTP-to-gRPC mapping of an error response without a `status` name. 502 and 504
 * come from proxies and gateways in front of the server (a backend restarting, a
 * gateway timing out), so they map to UNAVAILABLE: transient, retried, as 503.
 */
const CODE_OF_HTTP_STATUS: ReadonlyMap<number, Code> = new Map<number, Code>([
  [400, Code.INVALID_ARGUMENT],
  [401, Code.UNAUTHENTICATED],
  [403, Code.PERMISSION_DENIED],
  [404, Code.NOT_FOUND],
  [409, Code.ABORTED],
  [416, Code.OUT_OF_RANGE],
  [429, Code.RESOURCE_EXHAUSTED],
  [499, Code.CANCELLED],
  [501, Code.UNIMPLEMENTED],
  [502, Code.UNAVAILABLE],
  [503, Code.UNAVAILABLE],
  [504, Code.UNAVAILABLE],
]);

/** The gRPC code of each name, for an error body's `status`. */
const CODE_OF_NAME: ReadonlyMap<string, Code> = new Map(Object.entries(Code));

/** The HTTP status Google's gateways answer for a gRPC code (500 for an unknown code). @internal */
export function httpStatusOfCode(code: number): number {
  return HTTP_STATUS_OF_CODE.get(code) ?? 500;
}

/**
 * The gRPC code of an HTTP status (used when an error body has no `status`): the
 * standard mapping; 502/503/504 are UNAVAILABLE (a proxy's 502/504 is transient);
 * other 4xx FAILED_PRECONDITION, other 5xx INTERNAL, anything else UNKNOWN.
 *
 * @internal
 */
export function codeOfHttpStatus(httpStatus: number): number {
  const code = CODE_OF_HTTP_STATUS.get(httpStatus);
  if (code !== undefined) return code;
  if (httpStatus >= 400 && httpStatus < 500) return Code.FAILED_PRECONDITION;
  if (httpStatus >= 500 && httpStatus < 600) return Code.INTERNAL;
  return Code.UNKNOWN;
}

const RESPONSE: ReadMode = { strict: false };

/** The longest Duration, in ms: longer waits (Infinity too) are sent as it, as over gRPC. */
const MAX_DURATION_MS = 315_576_000_000_000;

/** The longest excerpt of a non-JSON error body kept in the Status message. */
const MAX_EXCERPT = 160;

/** The keys a message field may have in JSON: its JSON name, then its proto name. */
type Keys = readonly [json: string, proto?: string];

/**
 * The value of a field given under either of its names; undefined when absent or null
 * (null is the default value in proto3 JSON).
 */
function field(json: JsonObject, [jsonName, protoName]: Keys): unknown {
  const value = Object.hasOwn(json, jsonName) ? json[jsonName] : protoName !== undefined && Object.hasOwn(json, protoName) ? json[protoName] : undefined;
  return value === null ? undefined : value;
}

function stringField(json: JsonObject, keys: Keys, path: string): string | undefined {
  const value = field(json, keys);
  if (value !== undefined && typeof value !== 'string') {
    throw mismatch('a string', value, `${path}.${keys[0]}`);
  }
  return value;
}

function objectOf(json: unknown, what: string, path: string): JsonObject {
  if (!isJsonObject(json)) throw mismatch(`a ${what} object`, json, path);
  return json;
}

/** In a request, every key must be one of the fields' names. */
function rejectUnknown(json: JsonObject, fields: readonly Keys[], type: string, path: string): void {
  for (const key of Object.keys(json)) {
    if (!fields.some(([j, p]) => key === j || key === p)) {
      throw new JsonMappingError(`unknown field ${JSON.stringify(key)} of ${type}`, `${path}.${key}`);
    }
  }
}

const NAME: Keys = ['name'];
const FILTER: Keys = ['filter'];
const PAGE_SIZE: Keys = ['pageSize', 'page_size'];
const PAGE_TOKEN: Keys = ['pageToken', 'page_token'];
const PARTIAL: Keys = ['returnPartialSuccess', 'return_partial_success'];
const TIMEOUT: Keys = ['timeout'];

/**
 * A short single-line excerpt of a body that is not JSON (tags, control characters
 * and runs of spaces collapsed), for an error message.
 *
 * @internal
 */
export function excerpt(body: string): string {
  let text = body.trimStart().startsWith('<') ? body.replace(/<[^>]*>/g, ' ') : body;
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT - 3)}...` : text;
}

/**
 * Converts the Operations messages to and from their proto3 JSON forms. Reading throws
 * {@link JsonMappingError}; an Any of a type it cannot resolve is read as
 * `{ typeUrl, value: empty, json }` (never an error), and written back from `json`.
 *
 * @internal
 */
export class ProtoJsonCodec {
  readonly #mapper: MessageJsonMapper;

  constructor(options: ProtoJsonOptions = {}) {
    const resolveType = options.resolveType;
    this.#mapper = new MessageJsonMapper((name) => {
      const builtin = wellKnownType(name);
      if (builtin !== undefined || resolveType === undefined) return builtin;
      try {
        return resolveType(name);
      } catch {
        return undefined;
      }
    });
  }

  /** An Operation's JSON form. Throws {@link JsonMappingError} when an Any cannot be rendered. */
  operationToJson(operation: Operation): JsonObject {
    return this.#operationToJson(operation, 'operation');
  }

  #operationToJson(operation: Operation, path: string): JsonObject {
    const out: JsonObject = {};
    if (operation.name !== '') out.name = operation.name;
    if (operation.metadata !== undefined) out.metadata = this.#anyToJson(operation.metadata, `${path}.metadata`);
    if (operation.done) out.done = true;
    if (operation.error !== undefined) out.error = this.#statusToJson(operation.error, `${path}.error`);
    if (operation.response !== undefined) out.response = this.#anyToJson(operation.response, `${path}.response`);
    return out;
  }

  /**
   * An Operation from JSON. `name` must be a string and is required (every server
   * names its operations; a body without one is not an Operation); unknown fields are
   * ignored.
   */
  operationFromJson(json: unknown): Operation {
    return this.#operationFromJson(json, 'operation');
  }

  #operationFromJson(json: unknown, path: string): Operation {
    const object = objectOf(json, 'google.longrunning.Operation', path);
    const name = stringField(object, NAME, path);
    if (name === undefined) throw new JsonMappingError('expected the operation\'s name (a string), got none', `${path}.name`);
    const done = field(object, ['done']);
    if (done !== undefined && typeof done !== 'boolean') {
      throw mismatch('a boolean', done, `${path}.done`);
    }
    const operation: Operation = { name, done: done === true };
    const metadata = field(object, ['metadata']);
    if (metadata !== undefined) operation.metadata = this.#anyFromJson(metadata, `${path}.metadata`);
    const error = field(object, ['error']);
    if (error !== undefined) operation.error = this.#statusFromJson(error, `${path}.error`, false);
    const response = field(object, ['response']);
    if (response !== undefined) operation.response = this.#anyFromJson(response, `${path}.response`);
    return operation;
  }

  /** A ListOperationsResponse's JSON form. */
  listResponseToJson(response: ListOperationsResponse): JsonObject {
    const out: JsonObject = {};
    if (response.operations.length > 0) {
      out.operations = response.operations.map((op, i) => this.#operationToJson(op, `listResponse.operations[${i}]`));
    }
    if (response.nextPageToken !== '') out.nextPageToken = response.nextPageToken;
    if (response.unreachable.length > 0) out.unreachable = [...response.unreachable];
    return out;
  }

  /** A ListOperationsResponse from JSON. */
  listResponseFromJson(json: unknown): ListOperationsResponse {
    const path = 'listResponse';
    const object = objectOf(json, 'google.longrunning.ListOperationsResponse', path);
    const operations = field(object, ['operations']) ?? [];
    if (!Array.isArray(operations)) {
      throw mismatch('an array', operations, `${path}.operations`);
    }
    const unreachable = field(object, ['unreachable']) ?? [];
    if (!Array.isArray(unreachable) || !unreachable.every((u) => typeof u === 'string')) {
      throw mismatch('an array of strings', unreachable, `${path}.unreachable`);
    }
    return {
      operations: operations.map((op: unknown, i) => this.#operationFromJson(op, `${path}.operations[${i}]`)),
      nextPageToken: stringField(object, ['nextPageToken', 'next_page_token'], path) ?? '',
      unreachable: [...unreachable],
    };
  }

  /** A request's JSON form (JSON field names; WaitOperation's timeout as a Duration string). */
  requestToJson<M extends OperationsMethod>(method: M, request: RequestOf[M]): JsonObject {
    const out: JsonObject = {};
    if (request.name !== '') out.name = request.name;
    if (method === 'ListOperations') {
      const list = request as ListOperationsRequest;
      if (list.filter !== undefined && list.filter !== '') out.filter = list.filter;
      if (list.pageSize !== undefined && list.pageSize !== 0) out.pageSize = list.pageSize;
      if (list.pageToken !== undefined && list.pageToken !== '') out.pageToken = list.pageToken;
      if (list.returnPartialSuccess === true) out.returnPartialSuccess = true;
    } else if (method === 'WaitOperation') {
      const timeoutMs = (request as WaitOperationRequest).timeoutMs;
      if (timeoutMs !== undefined) out.timeout = msToDurationJson(timeoutMs);
    }
    return out;
  }

  /** A request from JSON; unknown fields are a {@link JsonMappingError} (the server answers 400). */
  requestFromJson<M extends OperationsMethod>(method: M, json: unknown): RequestOf[M] {
    const path = 'request';
    const object = objectOf(json, `google.longrunning.${method}Request`, path);
    const name = stringField(object, NAME, path) ?? '';
    switch (method) {
      case 'ListOperations': {
        rejectUnknown(object, [NAME, FILTER, PAGE_SIZE, PAGE_TOKEN, PARTIAL], 'google.longrunning.ListOperationsRequest', path);
        const request: ListOperationsRequest = { name };
        const filter = stringField(object, FILTER, path);
        if (filter !== undefined) request.filter = filter;
        const pageSize = field(object, PAGE_SIZE);
        if (pageSize !== undefined) request.pageSize = integerFromJson('int32', pageSize, `${path}.pageSize`) as number;
        const pageToken = stringField(object, PAGE_TOKEN, path);
        if (pageToken !== undefined) request.pageToken = pageToken;
        const partial = field(object, PARTIAL);
        if (partial !== undefined) {
          // "true"/"false" too: the server builds the request from query parameters.
          if (partial !== true && partial !== false && partial !== 'true' && partial !== 'false') {
            throw mismatch('a boolean', partial, `${path}.returnPartialSuccess`);
          }
          request.returnPartialSuccess = partial === true || partial === 'true';
        }
        return request;
      }
      case 'WaitOperation': {
        rejectUnknown(object, [NAME, TIMEOUT], 'google.longrunning.WaitOperationRequest', path);
        const request: WaitOperationRequest = { name };
        const timeout = field(object, TIMEOUT);
        if (timeout !== undefined) {
          const { seconds, nanos } = durationFromJson(timeout, `${path}.timeout`);
          // As the gRPC codec reads a Duration: whole milliseconds.
          request.timeoutMs = Number(seconds) * 1000 + Math.round(nanos / 1e6);
        }
        return request;
      }
      default:
        rejectUnknown(object, [NAME], `google.longrunning.${method}Request`, path);
        return { name };
    }
  }

  /** A google.rpc.Status's JSON form (`code` is the gRPC code). */
  statusToJson(status: Status): JsonObject {
    return this.#statusToJson(status, 'status');
  }

  #statusToJson(status: Status, path: string): JsonObject {
    const out: JsonObject = {};
    if (status.code !== 0) out.code = status.code;
    if (status.message !== '') out.message = status.message;
    if (status.details.length > 0) out.details = status.details.map((d, i) => this.#anyToJson(d, `${path}.details[${i}]`));
    return out;
  }

  /** A google.rpc.Status from JSON. */
  statusFromJson(json: unknown): Status {
    return this.#statusFromJson(json, 'status', false);
  }

  /** `dropBadDetails`: an undecodable detail is left out instead of failing the Status. */
  #statusFromJson(json: unknown, path: string, dropBadDetails: boolean): Status {
    const object = objectOf(json, 'google.rpc.Status', path);
    const code = field(object, ['code']);
    const details = field(object, ['details']) ?? [];
    if (!Array.isArray(details)) {
      throw mismatch('an array', details, `${path}.details`);
    }
    const decoded: Any[] = [];
    details.forEach((detail: unknown, i) => {
      try {
        decoded.push(this.#anyFromJson(detail, `${path}.details[${i}]`));
      } catch (error) {
        if (!dropBadDetails || !(error instanceof JsonMappingError)) throw error;
      }
    });
    return {
      code: code === undefined ? 0 : integerFromJson('int32', code, `${path}.code`) as number,
      message: stringField(object, ['message'], path) ?? '',
      details: decoded,
    };
  }

  /** An Any's JSON form. */
  anyToJson(any: Any): JsonObject {
    return this.#anyToJson(any, 'any');
  }

  #anyToJson(any: Any, path: string): JsonObject {
    if (any.json !== undefined && any.value.length === 0) {
      // An Any of a type this side never knew: written back as it was read.
      const fields = { ...any.json };
      delete fields['@type'];
      return { '@type': any.typeUrl, ...fields };
    }
    return this.#mapper.anyToJson(any.typeUrl, any.value, path);
  }

  /** An Any from JSON. */
  anyFromJson(json: unknown): Any {
    return this.#anyFromJson(json, 'any');
  }

  #anyFromJson(json: unknown, path: string): Any {
    try {
      return this.#mapper.anyFromJson(json, path, RESPONSE);
    } catch (error) {
      // An Any of an unknown type (or holding one) keeps its JSON form: it must not
      // break get, list or wait, and unpacking it names the type.
      if (!(error instanceof UnknownAnyTypeError) || !isJsonObject(json) || typeof json['@type'] !== 'string') throw error;
      const { '@type': typeUrl, ...fields } = json;
      return { typeUrl: typeUrl, value: new Uint8Array(0), json: fields };
    }
  }

  /** The HTTP error response of a failed call (server side). */
  errorEnvelope(status: Status): ErrorEnvelope {
    const name = CODE_OF_NAME.has(codeName(status.code)) ? codeName(status.code) : 'UNKNOWN';
    const httpStatus = httpStatusOfCode(CODE_OF_NAME.get(name)!);
    const error: JsonObject = { code: httpStatus, message: status.message, status: name };
    if (status.details.length > 0) {
      error.details = status.details.map((d, i) => this.#anyToJson(d, `error.details[${i}]`));
    }
    return { httpStatus, body: { error } };
  }

  /**
   * The Status of an HTTP error response (client side): from the envelope's `status`
   * name, else from the HTTP status; a body that is not the envelope (a proxy's HTML
   * 502) gives a Status whose message names the HTTP status and a short excerpt.
   */
  errorFromResponse(httpStatus: number, bodyText: string): Status {
    const fallbackCode = codeOfHttpStatus(httpStatus);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      parsed = undefined;
    }
    // Some Google front-ends wrap the envelope in a one-element array.
    if (Array.isArray(parsed) && parsed.length === 1) parsed = parsed[0];
    const error = isJsonObject(parsed) ? parsed.error : undefined;
    if (!isJsonObject(error)) {
      const text = excerpt(bodyText);
      return {
        code: fallbackCode,
        message: text === ''
          ? `HTTP ${httpStatus} with an empty body`
          : `HTTP ${httpStatus} with a body that is not a JSON error: ${text}`,
        details: [],
      };
    }
    const statusName = error.status;
    const named = typeof statusName === 'string' ? CODE_OF_NAME.get(statusName) : undefined;
    const code = named !== undefined && named !== Code.OK ? named : fallbackCode;
    const message = typeof error.message === 'string' && error.message !== '' ? error.message : `HTTP ${httpStatus}`;
    const details: Any[] = [];
    if (Array.isArray(error.details)) {
      for (const detail of error.details as unknown[]) {
        try {
          details.push(this.#anyFromJson(detail, 'error.details'));
        } catch {
          // An undecodable detail is dropped: the error itself still reaches the caller.
        }
      }
    }
    return { code, message, details };
  }
}

/** Milliseconds as a Duration's JSON, capped at the longest Duration (as the gRPC codec). */
function msToDurationJson(ms: number): string {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw mismatch('a number of milliseconds from 0', ms, 'request.timeoutMs');
  }
  if (ms >= MAX_DURATION_MS) return durationToJson(BigInt(MAX_DURATION_MS / 1000), 0, 'request.timeout');
  const seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  let wholeSeconds = seconds;
  if (nanos >= 1e9) {
    wholeSeconds += 1;
    nanos -= 1e9;
  }
  return durationToJson(BigInt(wholeSeconds), nanos, 'request.timeout');
}
