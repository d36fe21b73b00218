/**
 * The wire codec of the google.longrunning.Operations service: protobufjs types loaded
 * from the protos inside google-gax, and conversions between wire messages and the
 * public plain shapes of `types.ts`. Shared by the gRPC transport and the embedded
 * server so both speak exactly the same bytes.
 *
 * Conversions happen here, at the edge: `google.protobuf.Any` is `type_url` on the
 * wire (protobufjs keeps the bundled name) and `typeUrl` everywhere else; bytes are
 * plain `Uint8Array` views (no copy) rather than Buffers.
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import { loadProtoFiles } from '../any/proto-files.js';
import type {
  Any, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod, Status,
  WaitOperationRequest,
} from '../types.js';

/** The fully qualified gRPC service name. @internal */
export const OPERATIONS_SERVICE = 'google.longrunning.Operations';

/** Re-exported for the modules that name RPCs next to their codecs; defined in `types.ts`. */
export type { OperationsMethod };

/** Wire shapes as protobufjs produces and accepts them. */
interface WireAny { type_url?: string; typeUrl?: string; value?: Uint8Array | null }
interface WireStatus { code?: number; message?: string; details?: WireAny[] | null }
interface WireOperation {
  name?: string; metadata?: WireAny | null; done?: boolean;
  error?: WireStatus | null; response?: WireAny | null;
}
interface WireDuration { seconds?: number | string | { toNumber(): number }; nanos?: number }

interface Types {
  operation: protobuf.Type;
  getRequest: protobuf.Type;
  listRequest: protobuf.Type;
  listResponse: protobuf.Type;
  cancelRequest: protobuf.Type;
  deleteRequest: protobuf.Type;
  waitRequest: protobuf.Type;
  empty: protobuf.Type;
  status: protobuf.Type;
  retryInfo: protobuf.Type;
}

let cachedTypes: Types | undefined;

/** Loads the protos once per process; the Root is immutable afterwards. */
function types(): Types {
  if (cachedTypes) return cachedTypes;
  const root = loadProtoFiles(['google/longrunning/operations.proto', 'google/rpc/error_details.proto']);
  const t = (name: string) => root.lookupType(name);
  cachedTypes = {
    operation: t('google.longrunning.Operation'),
    getRequest: t('google.longrunning.GetOperationRequest'),
    listRequest: t('google.longrunning.ListOperationsRequest'),
    listResponse: t('google.longrunning.ListOperationsResponse'),
    cancelRequest: t('google.longrunning.CancelOperationRequest'),
    deleteRequest: t('google.longrunning.DeleteOperationRequest'),
    waitRequest: t('google.longrunning.WaitOperationRequest'),
    empty: t('google.protobuf.Empty'),
    status: t('google.rpc.Status'),
    retryInfo: t('google.rpc.RetryInfo'),
  };
  return cachedTypes;
}

/** A byte view that is a plain Uint8Array (a Buffer is re-viewed, not copied). */
export function asUint8Array(bytes: Uint8Array | null | undefined): Uint8Array {
  if (!bytes) return new Uint8Array(0);
  if (Object.getPrototypeOf(bytes) === Uint8Array.prototype) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function anyFromWire(any: WireAny): Any {
  return { typeUrl: any.type_url ?? any.typeUrl ?? '', value: asUint8Array(any.value) };
}

function anyToWire(any: Any): WireAny {
  return { type_url: any.typeUrl, value: any.value };
}

function statusFromWire(status: WireStatus): Status {
  return {
    code: status.code ?? 0,
    message: status.message ?? '',
    details: (status.details ?? []).map(anyFromWire),
  };
}

function statusToWire(status: Status): WireStatus {
  return { code: status.code, message: status.message, details: status.details.map(anyToWire) };
}

function operationFromWire(wire: WireOperation): Operation {
  const op: Operation = { name: wire.name ?? '', done: wire.done ?? false };
  if (wire.metadata) op.metadata = anyFromWire(wire.metadata);
  if (wire.error) op.error = statusFromWire(wire.error);
  else if (wire.response) op.response = anyFromWire(wire.response);
  return op;
}

function operationToWire(op: Operation): WireOperation {
  const wire: WireOperation = { name: op.name, done: op.done };
  if (op.metadata) wire.metadata = anyToWire(op.metadata);
  if (op.error) wire.error = statusToWire(op.error);
  else if (op.response) wire.response = anyToWire(op.response);
  return wire;
}

function durationToMs(duration: WireDuration | null | undefined): number | undefined {
  if (!duration) return undefined;
  const seconds = duration.seconds;
  const secondsNumber = typeof seconds === 'object' ? seconds.toNumber() : Number(seconds ?? 0);
  return secondsNumber * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}

/**
 * The longest `google.protobuf.Duration` (315,576,000,000 s, about 10,000 years), in
 * ms. Longer waits, `Infinity` included, are sent as this: the longest wait a request
 * can express, and no server holds a call that long.
 */
const MAX_DURATION_MS = 315_576_000_000_000;

function msToDuration(ms: number): WireDuration {
  if (ms >= MAX_DURATION_MS) return { seconds: MAX_DURATION_MS / 1000, nanos: 0 };
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

const encode = (type: protobuf.Type, value: object): Buffer => {
  const bytes = type.encode(value).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

/**
 * Serializers of one RPC for @grpc/grpc-js, in both directions: a client serializes
 * requests and deserializes responses, a server does the opposite.
 *
 * @internal
 */
export interface MethodCodec<Req, Res> {
  readonly method: OperationsMethod;
  /** `/google.longrunning.Operations/<Method>` */
  readonly path: string;
  serializeRequest(request: Req): Buffer;
  deserializeRequest(bytes: Buffer): Req;
  serializeResponse(response: Res): Buffer;
  deserializeResponse(bytes: Buffer): Res;
}

function methodCodec<Req, Res>(
  method: OperationsMethod,
  requestType: () => protobuf.Type,
  requestToWire: (request: Req) => object,
  requestFromWire: (wire: never) => Req,
  responseType: () => protobuf.Type,
  responseToWire: (response: Res) => object,
  responseFromWire: (wire: never) => Res,
): MethodCodec<Req, Res> {
  return {
    method,
    path: `/${OPERATIONS_SERVICE}/${method}`,
    serializeRequest: (request) => encode(requestType(), requestToWire(request)),
    deserializeRequest: (bytes) => requestFromWire(requestType().decode(bytes) as never),
    serializeResponse: (response) => encode(responseType(), responseToWire(response)),
    deserializeResponse: (bytes) => responseFromWire(responseType().decode(bytes) as never),
  };
}

const nameRequestFromWire = (wire: { name?: string }): OperationNameRequest => ({ name: wire.name ?? '' });
const nameRequestToWire = (request: OperationNameRequest) => ({ name: request.name });
const emptyToWire = () => ({});
const emptyFromWire = (): void => undefined;

/** Codecs of the five RPCs. @internal */
export const CODECS = {
  GetOperation: methodCodec<OperationNameRequest, Operation>(
    'GetOperation', () => types().getRequest, nameRequestToWire, nameRequestFromWire,
    () => types().operation, operationToWire, operationFromWire),
  ListOperations: methodCodec<ListOperationsRequest, ListOperationsResponse>(
    'ListOperations', () => types().listRequest,
    (request) => ({
      name: request.name,
      filter: request.filter ?? '',
      pageSize: request.pageSize ?? 0,
      pageToken: request.pageToken ?? '',
      returnPartialSuccess: request.returnPartialSuccess ?? false,
    }),
    (wire: { name?: string; filter?: string; pageSize?: number; pageToken?: string; returnPartialSuccess?: boolean }) => {
      const request: ListOperationsRequest = { name: wire.name ?? '' };
      if (wire.filter) request.filter = wire.filter;
      if (wire.pageSize) request.pageSize = wire.pageSize;
      if (wire.pageToken) request.pageToken = wire.pageToken;
      if (wire.returnPartialSuccess) request.returnPartialSuccess = true;
      return request;
    },
    () => types().listResponse,
    (response) => ({
      operations: response.operations.map(operationToWire),
      nextPageToken: response.nextPageToken,
      unreachable: response.unreachable,
    }),
    (wire: { operations?: WireOperation[]; nextPageToken?: string; unreachable?: string[] }) => ({
      operations: (wire.operations ?? []).map(operationFromWire),
      nextPageToken: wire.nextPageToken ?? '',
      unreachable: [...(wire.unreachable ?? [])],
    })),
  CancelOperation: methodCodec<OperationNameRequest, void>(
    'CancelOperation', () => types().cancelRequest, nameRequestToWire, nameRequestFromWire,
    () => types().empty, emptyToWire, emptyFromWire),
  DeleteOperation: methodCodec<OperationNameRequest, void>(
    'DeleteOperation', () => types().deleteRequest, nameRequestToWire, nameRequestFromWire,
    () => types().empty, emptyToWire, emptyFromWire),
  WaitOperation: methodCodec<WaitOperationRequest, Operation>(
    'WaitOperation', () => types().waitRequest,
    (request) => (request.timeoutMs === undefined
      ? { name: request.name }
      : { name: request.name, timeout: msToDuration(request.timeoutMs) }),
    (wire: { name?: string; timeout?: WireDuration | null }) => {
      const request: WaitOperationRequest = { name: wire.name ?? '' };
      const timeoutMs = durationToMs(wire.timeout);
      if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
      return request;
    },
    () => types().operation, operationToWire, operationFromWire),
} as const;

/** Encodes a `google.rpc.Status` (for the `grpc-status-details-bin` trailer). @internal */
export function encodeStatus(status: Status): Buffer {
  return encode(types().status, statusToWire(status));
}

/** Decodes a `google.rpc.Status`. Throws on malformed bytes. @internal */
export function decodeStatus(bytes: Uint8Array): Status {
  return statusFromWire(types().status.decode(bytes) as WireStatus);
}

/** The type URL of `google.rpc.RetryInfo`. @internal */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Encodes a `google.rpc.RetryInfo` asking for the given delay. @internal */
export function encodeRetryInfo(retryDelayMs: number): Any {
  return {
    typeUrl: RETRY_INFO_TYPE_URL,
    value: asUint8Array(encode(types().retryInfo, { retryDelay: msToDuration(retryDelayMs) })),
  };
}

/**
 * The delay a server asked for in a `google.rpc.RetryInfo` detail, in milliseconds;
 * undefined when there is none or it does not decode.
 *
 * @internal
 */
export function retryDelayFromDetails(details: readonly Any[]): number | undefined {
  for (const detail of details) {
    if (!detail.typeUrl.endsWith('/google.rpc.RetryInfo')) continue;
    try {
      const info = types().retryInfo.decode(detail.value) as { retryDelay?: WireDuration | null };
      const ms = durationToMs(info.retryDelay);
      if (ms !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
    } catch {
      // A malformed detail is ignored: the client's own backoff still applies.
    }
  }
  return undefined;
}
