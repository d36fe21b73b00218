/**
 * Checks shared by the embedded server's RPC handlers and its Node API: operation
 * names, and the Any / Status values tests hand in. The RPC side reports problems as
 * messages (sent as INVALID_ARGUMENT); the Node API throws `InvalidArgumentError`.
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { Any, Status } from '../types.js';

/** The longest operation or collection name the server accepts, in UTF-16 code units. @internal */
export const MAX_NAME_LENGTH = 1024;

/** C0 controls, DEL and C1 controls: never valid in a resource name. */
// eslint-disable-next-line no-control-regex -- control characters are what names must not contain
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;

/** The value as it appears in a message: JSON-quoted, long values shortened. */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
}

/**
 * Why `name` is not a valid name, or undefined when it is. The message names the
 * field and the bad value, ready to be sent as an INVALID_ARGUMENT message.
 *
 * @internal
 */
export function nameProblem(name: string, field: string, options: { allowEmpty?: boolean } = {}): string | undefined {
  if (name.length === 0) {
    return options.allowEmpty ? undefined : `${field} must not be empty`;
  }
  if (name.length > MAX_NAME_LENGTH) {
    return `${field} ${quote(name)} is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`;
  }
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    const codePoint = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `${field} ${quote(name)} contains the control character U+${codePoint} at index ${control.index}`;
  }
  return undefined;
}

/** Expectation text of a valid operation name, for `InvalidArgumentError`. @internal */
export const NAME_EXPECTATION =
  `a non-empty operation name of at most ${MAX_NAME_LENGTH} characters without control characters`;

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
