/**
 * longrunning-client/testing: an in-memory google.longrunning.Operations server on
 * real gRPC (loopback only), for your own tests and demos.
 *
 * @packageDocumentation
 * @module longrunning-client/testing
 */
export { InMemoryOperationsServer } from './testing/in-memory-server.js';
export { seededRandom } from './testing/random.js';
export type {
  CallRecord, CallRecordOf, CreateOperationInit, FaultOptions, InMemoryOperationsServerOptions,
  OperationsMethod, OperationsOverride, OperationsRequests, OperationsResponses, OverrideContext,
  OverrideResult, ServerTransport, StatusInit, TimelineStep,
} from './testing/api-types.js';
export type { HttpRule } from './http/http-rule.js';
