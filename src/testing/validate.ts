/**
 * Checks shared by the embedded server's RPC handlers and its Node API: the Any /
 * Status values tests hand in. Names follow the client's rule, `src/validation.ts`.
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { Any, Status } from '../types.js';

/**
 * Copies an Any given to the Node API; accepts `typeUrl` or `type_url` and any
 * Uint8Array (Buffers included). The bytes are copied so later mutations by the test do
 * not leak into the server's state.
 *
 * @throws {@link InvalidArgumentError} naming `argument` when the value is not an Any.
 * @internal
 */
export function copyAnyInput(value: unknown, argument: string): Any {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(argument, value, 'an Any: { typeUrl: string; value: Uint8Array }');
  }
  const record = value as { typeUrl?: unknown; type_url?: unknown; value?: unknown };
  const typeUrl = record.typeUrl ?? record.type_url;
  if (typeof typeUrl !== 'string') {
    throw new InvalidArgumentError(`${argument}.typeUrl`, typeUrl, 'a string (the type URL of the packed message)');
  }
  const bytes = record.value ?? new Uint8Array(0);
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(`${argument}.value`, bytes, 'a Uint8Array (the serialized message)');
  }
  return { typeUrl, value: Uint8Array.from(bytes) };
}

/**
 * Copies a non-OK status given to the Node API (code 1..16, as gRPC defines them).
 *
 * @throws {@link InvalidArgumentError} naming `argument` when the value is not a status.
 * @internal
 */
export function copyStatusInput(value: unknown, argument: string): Status {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(argument, value, 'a Status: { code: number; message?: string; details?: Any[] }');
  }
  const record = value as { code?: unknown; message?: unknown; details?: unknown };
  const { code } = record;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 1 || code > 16) {
    throw new InvalidArgumentError(`${argument}.code`, code, 'a gRPC error code, an integer from 1 (CANCELLED) to 16 (UNAUTHENTICATED)');
  }
  const message = record.message ?? '';
  if (typeof message !== 'string') {
    throw new InvalidArgumentError(`${argument}.message`, message, 'a string');
  }
  const details = record.details ?? [];
  if (!Array.isArray(details)) {
    throw new InvalidArgumentError(`${argument}.details`, details, 'an array of Any');
  }
  return {
    code,
    message,
    details: details.map((detail, index) => copyAnyInput(detail, `${argument}.details[${index}]`)),
  };
}

/** A deep copy of an Any (the bytes are copied). @internal */
export function copyAny(any: Any): Any {
  return { typeUrl: any.typeUrl, value: Uint8Array.from(any.value) };
}

/** A deep copy of a Status. @internal */
export function copyStatus(status: Status): Status {
  return { code: status.code, message: status.message, details: status.details.map(copyAny) };
}
