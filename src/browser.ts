/**
 * longrunning-client/browser: the client over HTTP/JSON for browsers, web workers and
 * edge runtimes. The same `OperationsClient` methods, operation handle, errors and
 * `TypeRegistry` as the Node entry, and nothing that needs Node: no @grpc/grpc-js, no
 * google-gax, no google-auth-library, no `node:` built-in (docs/browser.md).
 *
 * @packageDocumentation
 * @module longrunning-client/browser
 */
export type { OperationsTransport, TransportCallOptions } from './transport/transport.js';
export { HttpOperationsTransport } from './transport/http-transport.js';
export type { HttpAuthClient, HttpTransportOptions } from './transport/http-transport.js';
export type { HttpRule, HttpVerb } from './http/http-rule.js';

export { OperationsClient } from './client/browser-client.js';
export type { BrowserClientOptions } from './client/browser-client.js';
export type { ListCallOptions, OperationOptions } from './client/client-options.js';
export type { PagedAsyncIterable, PageSettings } from './client/pagination.js';
export type {
  Interceptor, InterceptorContext, InterceptorContextOf, InterceptorNext, InterceptorResponse, InterceptorTransport,
} from './client/interceptor.js';

export { LongRunningOperation } from './operation/long-running-operation.js';
export type { WaitOptions } from './operation/long-running-operation.js';
export type { ResumeToken } from './operation/resume-token.js';
export type { OperationInput, StatusLike } from './operation/normalize.js';

export { PortableTypeRegistry as TypeRegistry, typeNameOf } from './any/portable-type-registry.js';
export type { AnyInput, OperationInfo } from './any/portable-type-registry.js';

export { Code, codeName } from './code.js';
export {
  ClientClosedError, InvalidArgumentError, LongRunningError, OperationCancelledError,
  OperationFailedError, PaginationError, PollTimeoutError, RpcError, TypeMismatchError,
} from './errors.js';
export type {
  Any, CallOptions, ListOperationsRequest, ListOperationsResponse, Operation, OperationNameRequest,
  ClientPollingOptions, OperationsMethod, OperationSnapshot, PollingOptions, RetryOptions, Status, WaitOperationRequest,
} from './types.js';
