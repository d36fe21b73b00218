/**
 * How the CLI shows operations: Any values decoded when their type is known and kept as
 * type URL plus base64 bytes when not (or the server's JSON form, over HTTP/JSON), as
 * JSON documents (`--json`) and as short human-readable lines.
 *
 * @internal
 * @module
 */
import { Code, codeName, TypeRegistry, typeNameOf, type Any, type Operation, type Status } from '../index.js';
import { extractProgress, formatPercent } from './progress.js';

/**
 * An Any as the CLI shows it in JSON: `value` is the decoded message when the type is
 * known, `bytes` the base64 payload when it is not (the type URL says what to load),
 * `json` the message's proto3 JSON as an HTTP/JSON server sent it when it is not.
 *
 * @internal
 */
export type JsonAny =
  | { typeUrl: string; value: unknown }
  | { typeUrl: string; bytes: string }
  | { typeUrl: string; json: Readonly<Record<string, unknown>> };

/** A `google.rpc.Status` in JSON, with the code's name. @internal */
export interface JsonStatus {
  code: number;
  codeName: string;
  message: string;
  details: JsonAny[];
}

/**
 * An Operation as the CLI prints it with `--json`: `state` summarises `done` and `error`
 * (`RUNNING`, `SUCCEEDED`, `FAILED`, `CANCELLED`).
 *
 * @internal
 */
export interface JsonOperation {
  name: string;
  done: boolean;
  state: OperationState;
  metadata?: JsonAny;
  response?: JsonAny;
  error?: JsonStatus;
}

/** The one-word summary of an Operation. @internal */
export type OperationState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** An Any after decoding: the decoded value, or undecoded when the type is unknown. */
export interface DecodedAny {
  readonly typeUrl: string;
  /** The fully qualified type name from the URL (or the URL itself if it names none). */
  readonly typeName: string;
  /** Whether `value` holds the decoded message. */
  readonly decoded: boolean;
  /** The decoded message, or the raw bytes when not decoded. */
  readonly value: unknown;
  /**
   * Not decoded, over HTTP/JSON: the message's JSON form as the server sent it (the
   * bytes are then empty). Its field names are the proto3 JSON ones, so progress
   * fields can still be read from it.
   */
  readonly json?: Readonly<Record<string, unknown>>;
}

/** Which types the CLI expects; an Any of another type is a TypeMismatchError. @internal */
export interface ExpectedTypes {
  readonly responseType?: string | undefined;
  readonly metadataType?: string | undefined;
}

/**
 * Decodes Anys leniently: a type the registry knows is decoded (and checked against the
 * expected type when one is given); an unknown type without an expectation is kept as
 * bytes instead of failing, so `get` works without `--proto`.
 *
 * @internal
 */
export class AnyDecoder {
  readonly #types: TypeRegistry;
  readonly #expected: ExpectedTypes;

  constructor(types: TypeRegistry = TypeRegistry.empty(), expected: ExpectedTypes = {}) {
    this.#types = types;
    this.#expected = expected;
  }

  /**
   * Decodes one Any.
   *
   * @param role - Which expectation applies: `metadata`, `response`, or none (details).
   * @throws {@link TypeMismatchError} when the Any is not of the expected type, or is
   *   of a known type and its bytes do not decode.
   */
  decode(any: Any, role?: 'metadata' | 'response'): DecodedAny {
    const expected = role === 'metadata' ? this.#expected.metadataType
      : role === 'response' ? this.#expected.responseType : undefined;
    let typeName: string;
    try {
      typeName = typeNameOf(any.typeUrl);
    } catch (error) {
      if (expected !== undefined) throw error;
      return undecoded(any, any.typeUrl);
    }
    if (expected === undefined && !this.#types.has(typeName)) return undecoded(any, typeName);
    return { typeUrl: any.typeUrl, typeName, decoded: true, value: this.#types.unpack(any, expected) };
  }

  /** The Any as JSON: decoded value or base64 bytes. */
  json(any: Any, role?: 'metadata' | 'response'): JsonAny {
    const decoded = this.decode(any, role);
    if (decoded.decoded) return { typeUrl: decoded.typeUrl, value: toJsonValue(decoded.value) };
    if (decoded.json !== undefined) return { typeUrl: decoded.typeUrl, json: decoded.json };
    return { typeUrl: decoded.typeUrl, bytes: base64(decoded.value as Uint8Array) };
  }

  /** A Status as JSON, details decoded leniently. */
  statusJson(status: Status): JsonStatus {
    return {
      code: status.code,
      codeName: codeName(status.code),
      message: status.message,
      details: status.details.map((detail) => this.json(detail)),
    };
  }

  /** An Operation as JSON. */
  operationJson(operation: Operation): JsonOperation {
    const json: JsonOperation = { name: operation.name, done: operation.done, state: operationState(operation) };
    if (operation.metadata) json.metadata = this.json(operation.metadata, 'metadata');
    if (operation.error) json.error = this.statusJson(operation.error);
    else if (operation.response) json.response = this.json(operation.response, 'response');
    return json;
  }

  /** An Any in one line: the type name, then compact JSON or the base64 bytes. */
  anyLine(any: Any, role?: 'metadata' | 'response'): string {
    const decoded = this.decode(any, role);
    if (decoded.decoded) return `${decoded.typeName} ${JSON.stringify(toJsonValue(decoded.value))}`;
    if (decoded.json !== undefined) {
      return `${decoded.typeName} (unknown type, as the server's JSON; load its .proto with --proto) ${JSON.stringify(decoded.json)}`;
    }
    const bytes = decoded.value as Uint8Array;
    return `${decoded.typeName} (unknown type, ${bytes.byteLength} bytes; load its .proto with --proto) base64:${base64(bytes)}`;
  }

  /**
   * An Operation for people, one field per line:
   *
   * ```text
   * name:      operations/export-1
   * state:     FAILED
   * metadata:  google.protobuf.Struct {"progressPercent":30,"state":"TRAINING"}
   * error:     RESOURCE_EXHAUSTED (8): GPU quota exhausted
   * detail:    google.rpc.ErrorInfo {"reason":"QUOTA","domain":"example.com","metadata":{}}
   * ```
   */
  operationText(operation: Operation): string {
    const lines = [field('name', operation.name), field('state', operationState(operation))];
    if (operation.metadata) lines.push(field('metadata', this.anyLine(operation.metadata, 'metadata')));
    if (operation.error) {
      const { code, message, details } = operation.error;
      lines.push(field('error', `${codeName(code)} (${code})${message ? `: ${message}` : ''}`));
      for (const detail of details) lines.push(field('detail', this.anyLine(detail)));
    } else if (operation.response) {
      lines.push(field('response', this.anyLine(operation.response, 'response')));
    } else if (operation.done) {
      lines.push(field('response', '(none)'));
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * An Operation in one line of a listing: name, state, and the progress its metadata
   * reports (or the error of a failed one).
   */
  listLine(operation: Operation, nameWidth: number): string {
    const state = operationState(operation);
    let extra = '';
    if (operation.error) {
      extra = `${codeName(operation.error.code)}${operation.error.message ? `: ${operation.error.message}` : ''}`;
    } else if (!operation.done && operation.metadata) {
      extra = progressText(this.decode(operation.metadata, 'metadata'));
    }
    return `${operation.name.padEnd(nameWidth)}  ${state.padEnd(9)}${extra ? `  ${extra}` : ''}`.trimEnd();
  }
}

/**
 * The progress a decoded metadata value reports, as text: `42% RUNNING`, `RUNNING`, or
 * the type name for an undecoded one.
 *
 * @internal
 */
export function progressText(metadata: DecodedAny): string {
  const readable = metadata.decoded ? metadata.value : metadata.json;
  if (readable === undefined) return metadata.typeName;
  const { percent, state } = extractProgress(readable);
  const text = [percent === undefined ? undefined : formatPercent(percent), state].filter((part) => part !== undefined).join(' ');
  return metadata.decoded || text !== '' ? text : metadata.typeName;
}

/** An Any the decoder does not know: its bytes, and its JSON form when it came over HTTP/JSON. */
function undecoded(any: Any, typeName: string): DecodedAny {
  return { typeUrl: any.typeUrl, typeName, decoded: false, value: any.value, ...(any.json === undefined ? {} : { json: any.json }) };
}

/** The one-word summary of an Operation. @internal */
export function operationState(operation: Operation): OperationState {
  if (!operation.done) return 'RUNNING';
  if (operation.error) return operation.error.code === Code.CANCELLED ? 'CANCELLED' : 'FAILED';
  return 'SUCCEEDED';
}

/**
 * What a finished progress line says: `SUCCEEDED`, `FAILED: <message>`, `CANCELLED`.
 *
 * @internal
 */
export function outcomeText(operation: Operation | undefined): string {
  if (operation === undefined) return 'DONE';
  const state = operationState(operation);
  return state === 'FAILED' && operation.error?.message ? `${state}: ${operation.error.message}` : state;
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(10)} ${value}`;
}

/** Standard base64 of bytes. @internal */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * A decoded value made JSON-safe: bytes (Uint8Array and Buffer) as base64, bigints as
 * decimal strings, Dates as ISO strings, nested Anys (`{ typeUrl, value: bytes }`)
 * with their bytes as base64.
 *
 * @internal
 */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return base64(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (entry !== undefined) out[key] = toJsonValue(entry);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
