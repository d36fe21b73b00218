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
import {
  anyFromWire, anyToWire, durationToMs, encodeMessage, encodeStatusBytes, msToDuration, statusFromWire,
  statusToWire, type WireAny, type WireDuration, type WireStatus,
} from '../any/rpc-status.js';
import type {
  ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest, OperationsMethod, Status,
  WaitOperationRequest,
} from '../types.js';

/** The fully qualified gRPC service name. @internal */
export const OPERATIONS_SERVICE = 'google.longrunning.Operations';

/** Re-exported for the modules that name RPCs next to their codecs; defined in `types.ts`. */
export type { OperationsMethod };

/** The Operation as protobufjs produces and accepts it. */
interface WireOperation {
  name?: string; metadata?: WireAny | null; done?: boolean;
  error?: WireStatus | null; response?: WireAny | null;
}

interface Types {
  operation: protobuf.Type;
  getRequest: protobuf.Type;
  listRequest: protobuf.Type;
  listResponse: protobuf.Type;
  cancelRequest: protobuf.Type;
  deleteRequest: protobuf.Type;
  waitRequest: protobuf.Type;
  empty: protobuf.Type;
}

let cachedTypes: Types | undefined;

/** Loads the protos once per process; the Root is immutable afterwards. */
function types(): Types {
  if (cachedTypes) return cachedTypes;
  const root = loadProtoFiles(['google/longrunning/operations.proto']);
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
  };
  return cachedTypes;
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
    serializeRequest: (request) => toBuffer(encodeMessage(requestType(), requestToWire(request))),
    deserializeRequest: (bytes) => requestFromWire(requestType().decode(bytes) as never),
    serializeResponse: (response) => toBuffer(encodeMessage(responseType(), responseToWire(response))),
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

/** grpc-js wants Buffers from serializers: a view of the same bytes, not a copy. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a `google.rpc.Status` for the `grpc-status-details-bin` trailer. @internal */
export function encodeStatus(status: Status): Buffer {
  return toBuffer(encodeStatusBytes(status));
}
