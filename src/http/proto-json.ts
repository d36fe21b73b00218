/**
 * The proto3 JSON mapping of the Operations messages, as Google's canonical encoder
 * (protobuf's `json_format`) writes it: Operation, ListOperationsResponse, the requests,
 * google.rpc.Status and their Anys (`@type`; a well-known type's JSON under `value`,
 * Empty as a bare `@type`; other messages inlined), int64 as strings, bytes as base64,
 * default values omitted, unknown fields ignored when reading. Also the HTTP error
 * envelope `{"error": {code, message, status, details}}` and the HTTP/gRPC status maps.
 *
 * A leaf: no `node:` built-in and no Node global (see http-rule.ts).
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest,
  OperationsMethod, Status, WaitOperationRequest,
} from '../types.js';

/** A JSON object as parsed by `JSON.parse`. @internal */
export type JsonObject = Record<string, unknown>;

/** JSON that does not map onto the expected message; `path` names the field. @internal */
export class JsonMappingError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${path}: ${message}`);
    this.name = 'JsonMappingError';
  }
}

/** The request message of each method, in the public shapes. @internal */
export interface RequestOf {
  GetOperation: OperationNameRequest;
  ListOperations: ListOperationsRequest;
  CancelOperation: OperationNameRequest;
  DeleteOperation: OperationNameRequest;
  WaitOperation: WaitOperationRequest;
}

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

/** The HTTP status Google's gateways answer for a gRPC code. @internal */
export function httpStatusOfCode(code: number): number {
  void code;
  throw new Error('not implemented');
}

/** The gRPC code of an HTTP status (used when an error body has no `status`). @internal */
export function codeOfHttpStatus(httpStatus: number): number {
  void httpStatus;
  throw new Error('not implemented');
}

/**
 * Converts the Operations messages to and from their proto3 JSON forms. Reading throws
 * {@link JsonMappingError}; an Any of a type it cannot resolve is read as
 * `{ typeUrl, value: empty, json }` (never an error), and written back from `json`.
 *
 * @internal
 */
export class ProtoJsonCodec {
  constructor(options: ProtoJsonOptions = {}) {
    void options;
  }

  /** An Operation's JSON form. Throws {@link JsonMappingError} when an Any cannot be rendered. */
  operationToJson(operation: Operation): JsonObject {
    void operation;
    throw new Error('not implemented');
  }

  /** An Operation from JSON (`name` must be a string). */
  operationFromJson(json: unknown): Operation {
    void json;
    throw new Error('not implemented');
  }

  /** A ListOperationsResponse's JSON form. */
  listResponseToJson(response: ListOperationsResponse): JsonObject {
    void response;
    throw new Error('not implemented');
  }

  /** A ListOperationsResponse from JSON. */
  listResponseFromJson(json: unknown): ListOperationsResponse {
    void json;
    throw new Error('not implemented');
  }

  /** A request's JSON form (JSON field names; WaitOperation's timeout as a Duration string). */
  requestToJson<M extends OperationsMethod>(method: M, request: RequestOf[M]): JsonObject {
    void method;
    void request;
    throw new Error('not implemented');
  }

  /** A request from JSON; unknown fields are a {@link JsonMappingError} (the server answers 400). */
  requestFromJson<M extends OperationsMethod>(method: M, json: unknown): RequestOf[M] {
    void method;
    void json;
    throw new Error('not implemented');
  }

  /** A google.rpc.Status's JSON form (`code` is the gRPC code). */
  statusToJson(status: Status): JsonObject {
    void status;
    throw new Error('not implemented');
  }

  /** A google.rpc.Status from JSON. */
  statusFromJson(json: unknown): Status {
    void json;
    throw new Error('not implemented');
  }

  /** An Any's JSON form. */
  anyToJson(any: Any): JsonObject {
    void any;
    throw new Error('not implemented');
  }

  /** An Any from JSON. */
  anyFromJson(json: unknown): Any {
    void json;
    throw new Error('not implemented');
  }

  /** The HTTP error response of a failed call (server side). */
  errorEnvelope(status: Status): ErrorEnvelope {
    void status;
    throw new Error('not implemented');
  }

  /**
   * The Status of an HTTP error response (client side): from the envelope's `status`
   * name, else from the HTTP status; a body that is not the envelope (a proxy's HTML
   * 502) gives a Status whose message names the HTTP status and a short excerpt.
   */
  errorFromResponse(httpStatus: number, bodyText: string): Status {
    void httpStatus;
    void bodyText;
    throw new Error('not implemented');
  }
}
