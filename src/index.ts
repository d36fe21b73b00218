/**
 * longrunning-client: a typed client for google.longrunning.Operations.
 *
 * Exports are grouped in data-flow order: transport, client and pagination, the
 * operation handle, then the leaves (Any unpacking, errors, data shapes).
 *
 * @packageDocumentation
 * @module longrunning-client
 */
export { GrpcOperationsTransport } from './transport/grpc-transport.js';
export type { GoogleAuthClient, GrpcTransportOptions } from './transport/grpc-transport.js';
export type { OperationsTransport, TransportCallOptions } from './transport/transport.js';
export { HttpOperationsTransport } from './transport/http-transport.js';
export type { HttpAuthClient, HttpTransportOptions } from './transport/http-transport.js';
export type { HttpRule, HttpVerb } from './http/http-rule.js';

export { OperationsClient } from './client/operations-client.js';
export type { ListCallOptions, OperationOptions, OperationsClientOptions } from './client/client-options.js';
export type { PagedAsyncIterable, PageSettings } from './client/pagination.js';
export type {
  Interceptor, InterceptorContext, InterceptorContextOf, InterceptorNext, InterceptorResponse, InterceptorTransport,
} from './client/interceptor.js';

export { LongRunningOperation } from './operation/long-running-operation.js';
export type { WaitOptions } from './operation/long-running-operation.js';
export type { ResumeToken } from './operation/resume-token.js';
export type { OperationInput, StatusLike } from './operation/normalize.js';

export { TypeRegistry, typeNameOf } from './any/type-registry.js';
export type { AnyInput, OperationInfo, ProtoFilesOptions } from './any/type-registry.js';

export { Code, codeName } from './code.js';
export {
  ClientClosedError, InvalidArgumentError, LongRunningError, OperationCancelledError,
  OperationFailedError, PaginationError, PollTimeoutError, RpcError, TypeMismatchError,
} from './errors.js';
export type {
  Any, CallOptions, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest,
  ClientPollingOptions, OperationsMethod, OperationSnapshot, PollingOptions, RetryOptions, Status, WaitOperationRequest,
} from './types.js';
