/**
 * The physical limit: a generic @grpc/grpc-js client calling `makeUnaryRequest`
 * directly, with no validation, deadline, retry or abort handling. Two serializer
 * sets:
 *
 * - `codec`: the SDK's own wire codec (src/transport/codec.ts), i.e. protobufjs plus
 *   the conversion to the public shapes. Same bytes in, same objects out as the SDK:
 *   the difference to the SDK is the SDK's call path alone.
 * - `bare`: protobufjs `encode` / `decode` only, returning protobufjs message
 *   instances (`type_url`, Buffers): the least work any protobufjs client can do.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { loadProtoFiles } from '../../src/any/proto-files.js';
import { CODECS, OPERATIONS_SERVICE } from '../../src/transport/codec.js';

export interface Serializers<Req, Res> {
  path: string;
  serialize: (request: Req) => Buffer;
  deserialize: (bytes: Buffer) => Res;
}

let bareTypes: { getRequest: protobuf.Type; operation: protobuf.Type; listRequest: protobuf.Type; listResponse: protobuf.Type } | undefined;

function bare() {
  if (!bareTypes) {
    const root = loadProtoFiles(['google/longrunning/operations.proto']);
    bareTypes = {
      getRequest: root.lookupType('google.longrunning.GetOperationRequest'),
      operation: root.lookupType('google.longrunning.Operation'),
      listRequest: root.lookupType('google.longrunning.ListOperationsRequest'),
      listResponse: root.lookupType('google.longrunning.ListOperationsResponse'),
    };
  }
  return bareTypes;
}

function encoder(type: () => protobuf.Type) {
  return (value: object): Buffer => {
    const bytes = type().encode(value).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** A bare protobufjs Operation message (fields as protobufjs decodes them). */
export interface BareOperation { name: string; done: boolean }
export interface BareListResponse { operations: BareOperation[]; nextPageToken: string }
export interface ListRequestWire { name: string; filter: string; pageSize: number; pageToken: string }

export const SERIALIZERS = {
  codec: {
    getOperation: {
      path: CODECS.GetOperation.path,
      serialize: (request) => CODECS.GetOperation.serializeRequest(request),
      deserialize: (bytes) => CODECS.GetOperation.deserializeResponse(bytes),
    } satisfies Serializers<{ name: string }, unknown>,
    listOperations: {
      path: CODECS.ListOperations.path,
      serialize: (request) => CODECS.ListOperations.serializeRequest(request),
      deserialize: (bytes) => CODECS.ListOperations.deserializeResponse(bytes),
    } satisfies Serializers<ListRequestWire, { operations: unknown[]; nextPageToken: string }>,
  },
  bare: {
    getOperation: {
      path: `/${OPERATIONS_SERVICE}/GetOperation`,
      serialize: encoder(() => bare().getRequest),
      deserialize: (bytes) => bare().operation.decode(bytes) as unknown as BareOperation,
    } satisfies Serializers<{ name: string }, BareOperation>,
    listOperations: {
      path: `/${OPERATIONS_SERVICE}/ListOperations`,
      serialize: encoder(() => bare().listRequest),
      deserialize: (bytes) => bare().listResponse.decode(bytes) as unknown as BareListResponse,
    } satisfies Serializers<ListRequestWire, BareListResponse>,
  },
} as const;

/** A generic grpc-js client on its own insecure channel. */
export class RawClient {
  readonly #client: grpc.Client;

  constructor(address: string) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  /** One call; `timeoutMs` sets a deadline (a timer on both sides, as the SDK's calls have). */
  unary<Req, Res>(serializers: Serializers<Req, Res>, request: Req, timeoutMs?: number): Promise<Res> {
    const options: grpc.CallOptions = timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
    return new Promise<Res>((resolve, reject) => {
      this.#client.makeUnaryRequest<Req, Res>(
        serializers.path, serializers.serialize, serializers.deserialize, request, new grpc.Metadata(), options,
        (error, response) => (error ? reject(error) : resolve(response as Res)),
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
