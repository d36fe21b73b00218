/**
 * Accepts an Operation in the shapes other Node libraries produce (google-gax,
 * protobufjs, @grpc/proto-loader) and returns the SDK's plain shape.
 *
 * @internal
 * @module
 */
// stripInternal drops the first statement with the @internal header above: keep a
// value import first, never the type import the declarations need.
import { Code } from '../code.js';
import type { AnyInput } from '../any/type-registry.js';
import { InvalidArgumentError } from '../errors.js';
import { asUint8Array } from '../any/rpc-status.js';
import type { Any, Operation, Status } from '../types.js';

/**
 * An Operation as other libraries produce it: `typeUrl` or `type_url`, `Uint8Array`
 * or `Buffer` values, an optional `result` oneof marker, `null` for absent fields.
 */
export interface OperationInput {
  /** The operation's name. */
  name: string;
  /** Progress metadata, as an Any in either spelling. */
  metadata?: AnyInput | null | undefined;
  /** Whether the operation is done; absent means false. */
  done?: boolean | null | undefined;
  /** The error of a failed operation. */
  error?: StatusLike | null | undefined;
  /** The result of a successful operation. */
  response?: AnyInput | null | undefined;
  /** protobufjs' oneof marker: which of `error` and `response` is set. */
  result?: 'error' | 'response' | null | undefined;
}

/** A google.rpc.Status as other libraries produce it. */
export interface StatusLike {
  /** The status code. */
  code?: number | null | undefined;
  /** The developer-facing message. */
  message?: string | null | undefined;
  /** The details. */
  details?: readonly AnyInput[] | null | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalizeAny(value: unknown, argument: string): Any {
  if (!isObject(value)) throw new InvalidArgumentError(argument, value, 'a google.protobuf.Any object');
  const typeUrl = value.typeUrl ?? value.type_url;
  if (typeof typeUrl !== 'string') {
    throw new InvalidArgumentError(`${argument}.typeUrl`, typeUrl, 'a type URL string (typeUrl or type_url)');
  }
  const bytes = value.value;
  if (bytes !== undefined && bytes !== null && !(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${argument}.value`, bytes, 'a Uint8Array or Buffer');
  }
  return { typeUrl, value: asUint8Array(bytes) };
}

function normalizeStatus(value: unknown, argument: string): Status {
  if (!isObject(value)) throw new InvalidArgumentError(argument, value, 'a google.rpc.Status object');
  const code = value.code ?? Code.OK;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0) {
    throw new InvalidArgumentError(`${argument}.code`, code, 'a non-negative integer status code');
  }
  const message = value.message ?? '';
  if (typeof message !== 'string') throw new InvalidArgumentError(`${argument}.message`, message, 'a string');
  const details = value.details ?? [];
  if (!Array.isArray(details)) throw new InvalidArgumentError(`${argument}.details`, details, 'an array of Any');
  return { code, message, details: details.map((detail, i) => normalizeAny(detail, `${argument}.details[${i}]`)) };
}

/**
 * The SDK's Operation from any accepted shape. When both `error` and `response` are
 * present, the `result` marker decides; without one the error wins (a result that
 * claims success and failure at once is not trusted).
 *
 * @throws {@link InvalidArgumentError} naming the first malformed field.
 * @internal
 */
export function normalizeOperation(value: unknown, argument: string): Operation {
  if (!isObject(value)) throw new InvalidArgumentError(argument, value, 'an operation name or a google.longrunning.Operation');
  const { name, done } = value;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`${argument}.name`, name, 'a non-empty operation name');
  }
  if (done !== undefined && done !== null && typeof done !== 'boolean') {
    throw new InvalidArgumentError(`${argument}.done`, done, 'a boolean');
  }
  const operation: Operation = { name, done: done === true };
  if (value.metadata !== undefined && value.metadata !== null) operation.metadata = normalizeAny(value.metadata, `${argument}.metadata`);
  const hasError = value.error !== undefined && value.error !== null;
  const hasResponse = value.response !== undefined && value.response !== null;
  const useResponse = hasResponse && (!hasError || value.result === 'response');
  if (useResponse) operation.response = normalizeAny(value.response, `${argument}.response`);
  else if (hasError) operation.error = normalizeStatus(value.error, `${argument}.error`);
  return operation;
}
