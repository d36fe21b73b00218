/**
 * The TypeRegistry without the file system: which message types an Any may hold, how its bytes become a
 * plain object, and which types a long-running method declares in its
 * `google.longrunning.operation_info` option.
 *
 * Browser-safe (no `node:` built-in, no proto read from disk): the browser entry
 * exports this class as `TypeRegistry`; the Node entry's `TypeRegistry`
 * (type-registry.ts) extends it with `fromProtoFiles`.
 *
 * Longer than most files (about 550 lines): one public class, and nearly half of it is
 * the TSDoc and examples of its methods.
 *
 * @module
 */
import protobuf from 'protobufjs';
import { InvalidArgumentError, TypeMismatchError } from '../errors.js';
import type { Any } from '../types.js';
import { encodePlain } from './plain-encoder.js';
import { plainDecoderFor, type PlainDecoder } from './plain-decoder.js';
import { isType } from './plain-form.js';
import { wellKnownRoot } from './well-known.js';

/** The type URL prefix `pack` uses, as every Google API does. */
const DEFAULT_TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * How many distinct type URLs a registry remembers; beyond that the cache starts
 * over, so a server sending endless host prefixes cannot grow it without bound.
 */
const MAX_CACHED_TYPE_URLS = 1024;

const OPERATION_INFO_FIELD = /^\(\.?google\.longrunning\.operation_info\)\.(response_type|responseType|metadata_type|metadataType)$/;
const OPERATION_INFO_OPTION = /^\(\.?google\.longrunning\.operation_info\)$/;

/**
 * An Any as the SDK accepts it: {@link Any} itself, or the shapes other Node libraries
 * produce for `google.protobuf.Any` (google-gax, protobufjs and @grpc/proto-loader keep
 * `type_url`), with the value as a `Uint8Array` or a `Buffer`.
 *
 * @example
 * ```ts
 * import type { AnyInput } from 'longrunning-client';
 * const fromGax: AnyInput = { type_url: 'type.googleapis.com/google.protobuf.Empty', value: Buffer.alloc(0) };
 * ```
 */
export interface AnyInput {
  /** The type URL, camelCase spelling. */
  typeUrl?: string | null | undefined;
  /** The type URL, the spelling protobufjs and google-gax keep for the well-known Any. */
  type_url?: string | null | undefined;
  /** The serialized message; absent means empty (every field at its default). */
  value?: Uint8Array | null | undefined;
}

/**
 * The types a long-running method declares in its `google.longrunning.operation_info`
 * option, resolved to fully qualified message names.
 *
 * @example
 * ```ts
 * import type { OperationInfo } from 'longrunning-client';
 * const info: OperationInfo = { responseType: 'example.v1.ExportResponse', metadataType: 'example.v1.ExportMetadata' };
 * ```
 */
export interface OperationInfo {
  /** The fully qualified name of the message the operation's `response` holds. */
  responseType: string;
  /** The fully qualified name of the message the operation's `metadata` holds. */
  metadataType: string;
}

/** A resolved message type and its cached decoder. */
interface TypeEntry {
  readonly name: string;
  readonly type: protobuf.Type;
  readonly decode: PlainDecoder;
}

/**
 * The fully qualified message name a type URL refers to: its last `/` segment,
 * whatever the host prefix (`type.googleapis.com/`, `example.com/types/`, none).
 *
 * Type URLs are compared by this name only, as the protobuf runtimes do, so Anys
 * packed by servers with different prefixes unpack alike. A leading `.` (protobufjs'
 * spelling of full names) is dropped.
 *
 * @param typeUrl - A type URL such as `type.googleapis.com/google.rpc.ErrorInfo`, or
 *   a bare name such as `google.rpc.ErrorInfo`.
 * @returns The message name, e.g. `google.rpc.ErrorInfo`.
 * @throws {@link TypeMismatchError} when the URL names no type (empty, or ending in `/`).
 *
 * @example
 * ```ts
 * import { typeNameOf } from 'longrunning-client';
 * typeNameOf('type.googleapis.com/google.protobuf.Empty'); // 'google.protobuf.Empty'
 * typeNameOf('example.com/types/example.v1.ExportResponse'); // 'example.v1.ExportResponse'
 * ```
 */
export function typeNameOf(typeUrl: string): string {
  const url = typeof typeUrl === 'string' ? typeUrl : '';
  let name = url.slice(url.lastIndexOf('/') + 1);
  if (name.startsWith('.')) name = name.slice(1);
  if (name === '') {
    throw new TypeMismatchError(url, undefined,
      `Type URL ${JSON.stringify(url)} names no type; expected "<prefix>/<fully.qualified.MessageName>", ` +
      'e.g. "type.googleapis.com/google.protobuf.Empty".');
  }
  return name;
}

/**
 * Knows the message types that `google.protobuf.Any` values may hold and turns Anys
 * into plain objects, checking the type URL before decoding a single byte.
 *
 * Operations carry their response and metadata as Anys; a registry built from the
 * service's `.proto` files is what turns them into typed values, and what reads the
 * `google.longrunning.operation_info` option so callers need not repeat type names.
 * The well-known types (`google.protobuf.Empty`, `Struct`, `Value`, `ListValue`,
 * `Timestamp`, `Duration`, `FieldMask`, `Any`, the wrappers) and `google.rpc.Status`
 * with every standard error detail (`ErrorInfo`, `RetryInfo`, `BadRequest`, ...) are
 * known without registration.
 *
 * Conversions (see the "Any unpacking" guide): camelCase keys; 64-bit integers as
 * decimal strings; enums as value names; bytes as `Uint8Array`; fields without
 * presence always set (zero values), message, oneof and `optional` fields only when
 * sent; Struct/Value/ListValue as JavaScript values; wrappers as primitives; Timestamp
 * and Duration as `{ seconds: string; nanos: number }`; nested Anys as `{ typeUrl, value }`.
 *
 * @example
 * ```ts
 * import { TypeRegistry } from 'longrunning-client';
 * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: ['protos'] });
 * const { responseType } = types.operationInfo('example.v1.ExportService.Export');
 * const result = types.unpack<{ destination: string }>(operation.response!, responseType);
 * ```
 */
export class PortableTypeRegistry {
  readonly #root: protobuf.Root | undefined;
  readonly #byName = new Map<string, TypeEntry>();
  readonly #byUrl = new Map<string, TypeEntry>();

  /**
   * Creates a registry of the types in `root` plus the well-known types; without a
   * Root, of the well-known types only.
   *
   * @param root - A protobufjs Root, e.g. from `protobuf.loadSync`. Resolved on the spot.
   * @throws {@link InvalidArgumentError} when `root` is not a protobufjs Root.
   *
   * @example
   * ```ts
   * import protobuf from 'protobufjs';
   * import { TypeRegistry } from 'longrunning-client';
   * const types = new TypeRegistry(protobuf.loadSync('protos/example/v1/service.proto'));
   * ```
   */
  constructor(root?: protobuf.Root) {
    if (root !== undefined) {
      // Duck-typed: a Root from another copy of protobufjs works just as well.
      if (root === null || typeof root !== 'object' || typeof root.resolveAll !== 'function' ||
        typeof root.lookup !== 'function') {
        throw new InvalidArgumentError('root', root, 'a protobufjs Root');
      }
      root.resolveAll();
    }
    this.#root = root;
  }

  /**
   * A registry of the well-known types only.
   *
   * Enough for operations whose response and metadata are `google.protobuf.Empty`,
   * `Struct` and the like, and for `google.rpc` error details.
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const types = TypeRegistry.empty();
   * types.unpack(operation.metadata!, 'google.protobuf.Struct'); // { percent: 42 }
   * ```
   */
  static empty<T extends PortableTypeRegistry>(this: new (root?: protobuf.Root) => T): T {
    return new (registryClass(this))();
  }

  /**
   * A registry of the types in a protobufjs Root plus the well-known types.
   *
   * For callers who already load their protos with protobufjs (or google-gax).
   *
   * @param root - The Root; it is resolved (`resolveAll()`) on the spot.
   * @throws {@link InvalidArgumentError} when `root` is not a protobufjs Root.
   *
   * @example
   * ```ts
   * import protobuf from 'protobufjs';
   * import { TypeRegistry } from 'longrunning-client';
   * const types = TypeRegistry.fromRoot(await protobuf.load('protos/example/v1/service.proto'));
   * ```
   */
  static fromRoot<T extends PortableTypeRegistry>(this: new (root?: protobuf.Root) => T, root: protobuf.Root): T {
    return new (registryClass(this))(root);
  }

  /**
   * A registry of the types in a protobufjs JSON descriptor plus the well-known types:
   * the way to get types without a file system (browsers, workers, edge runtimes).
   *
   * The descriptor is what `pbjs -t json` writes, or `root.toJSON()` of a loaded Root,
   * so it can be generated at build time and shipped as a module or fetched as JSON.
   * Field names may be the proto names or camelCase: unpacked values are camelCase
   * either way.
   *
   * @param descriptor - A protobufjs namespace descriptor (`{ nested: { ... } }`).
   * @throws {@link InvalidArgumentError} when `descriptor` is not an object with a
   *   `nested` object, or its types do not resolve (a missing type, a bad field).
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const types = TypeRegistry.fromJSON({
   *   nested: { example: { nested: { v1: { nested: {
   *     ExportMetadata: { fields: { percent: { type: 'int32', id: 1 } } },
   *   } } } } },
   * });
   * types.has('example.v1.ExportMetadata'); // true
   * ```
   */
  static fromJSON<T extends PortableTypeRegistry>(this: new (root?: protobuf.Root) => T, descriptor: protobuf.INamespace): T {
    if (descriptor === null || typeof descriptor !== 'object' || Array.isArray(descriptor) ||
      descriptor.nested === null || typeof descriptor.nested !== 'object') {
      throw new InvalidArgumentError('descriptor', descriptor, 'a protobufjs JSON descriptor: `{ nested: { ... } }`');
    }
    let root: protobuf.Root;
    try {
      root = protobuf.Root.fromJSON(descriptor);
      root.resolveAll();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const invalid = new InvalidArgumentError('descriptor', descriptor, `a descriptor whose types all resolve: ${message}`);
      Object.defineProperty(invalid, 'cause', { value: error, configurable: true, writable: true });
      throw invalid;
    }
    return new (registryClass(this))(root);
  }

  /**
   * Whether a message type of that name is known, from the Root or among the
   * well-known types.
   *
   * @param typeName - A fully qualified message name (a leading `.` or a type URL
   *   prefix is ignored).
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * TypeRegistry.empty().has('google.rpc.ErrorInfo'); // true
   * ```
   */
  has(typeName: string): boolean {
    if (typeof typeName !== 'string') return false;
    const name = typeName.slice(typeName.lastIndexOf('/') + 1).replace(/^\./, '');
    return name !== '' && this.#lookup(name) !== undefined;
  }

  /**
   * Decodes an Any into a plain object after checking its type URL.
   *
   * The type URL is checked first: against `expectedType` when given, then against
   * the registry. Only then are the bytes decoded, with the conversions described on
   * {@link TypeRegistry}. Decoders are generated once per type and cached, so this
   * costs about as much as a bare protobufjs decode.
   *
   * @typeParam T - The plain shape of the expected message; not checked at run time
   *   beyond the type URL.
   * @param any - The Any; `typeUrl` or `type_url`, value as `Uint8Array` or `Buffer`.
   * @param expectedType - The fully qualified message name the Any must hold.
   * @returns The decoded message as a plain object (or, for `Value`, `ListValue` and
   *   the wrappers, the JavaScript value).
   * @throws {@link TypeMismatchError} when the type URL names another type than
   *   `expectedType`, names no type, names a type the registry does not know, or the
   *   bytes do not decode as that type (`cause` holds the decoder's error).
   * @throws {@link InvalidArgumentError} when `any` is not an object or its value is
   *   not bytes.
   *
   * @example
   * ```ts
   * import { TypeRegistry, TypeMismatchError } from 'longrunning-client';
   * const types = TypeRegistry.empty();
   * try {
   *   const info = types.unpack<{ reason: string; domain: string }>(detail, 'google.rpc.ErrorInfo');
   *   console.log(info.reason);
   * } catch (e) {
   *   if (e instanceof TypeMismatchError) console.log(`not an ErrorInfo: ${e.typeUrl}`);
   * }
   * ```
   */
  unpack<T = unknown>(any: Any | AnyInput, expectedType?: string): T {
    if (any === null || typeof any !== 'object') {
      throw new InvalidArgumentError('any', any, 'a google.protobuf.Any: `{ typeUrl: string; value: Uint8Array }`');
    }
    const input = any as AnyInput;
    const typeUrl = input.typeUrl || input.type_url || '';
    const json = (any as Any).json;
    if (json !== undefined && json !== null && (input.value === undefined || input.value === null || input.value.length === 0)) {
      throw jsonOnly(typeUrl, expectedType);
    }
    let entry = this.#byUrl.get(typeUrl);
    if (entry === undefined) entry = this.#resolveUrl(typeUrl, expectedType);
    if (expectedType !== undefined && expectedType !== entry.name) {
      const expected = typeNameOf(expectedType);
      if (expected !== entry.name) throw mismatch(typeUrl, expected, entry.name);
    }
    let bytes = input.value;
    if (!(bytes instanceof Uint8Array)) {
      if (bytes !== undefined && bytes !== null) {
        throw new InvalidArgumentError('any.value', bytes, 'the serialized message as a Uint8Array or Buffer');
      }
      bytes = new Uint8Array(0);
    }
    try {
      return entry.decode(bytes) as T;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new TypeMismatchError(typeUrl, expectedType === undefined ? undefined : entry.name,
        `The Any with type URL ${JSON.stringify(typeUrl)} does not decode as ${entry.name}: ${detail}`,
        { cause: error });
    }
  }

  /**
   * Serializes a plain value of a registered type into an Any; the inverse of
   * {@link TypeRegistry.unpack}.
   *
   * Useful for tests, the embedded server and for replying with typed error details.
   * Accepts the shapes `unpack` returns (64-bit integers as strings, numbers or
   * bigints; enums as names or numbers; a plain object for `Struct`, any JSON value for
   * `Value`, a primitive for the wrappers, a `Date` or `{ seconds, nanos }` for
   * `Timestamp`). Fields absent or `null` are left out.
   *
   * @param typeName - The fully qualified message name, e.g. `google.rpc.ErrorInfo`, or
   *   a full type URL to keep a custom prefix.
   * @param value - The message as a plain object (or JavaScript value, see above).
   * @returns An Any whose type URL is `type.googleapis.com/<typeName>` (unless a type
   *   URL was given) and whose value is a fresh `Uint8Array`.
   * @throws {@link TypeMismatchError} when the registry does not know the type.
   * @throws {@link InvalidArgumentError} when `value` does not fit the type; `argument`
   *   is the path of the offending field.
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const types = TypeRegistry.empty();
   * const detail = types.pack('google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'example.com', metadata: {} });
   * types.unpack(detail); // { reason: 'QUOTA', domain: 'example.com', metadata: {} }
   * ```
   */
  pack(typeName: string, value: unknown): Any {
    const name = typeNameOf(typeName);
    const typeUrl = typeName.includes('/') ? typeName : `${DEFAULT_TYPE_URL_PREFIX}${name}`;
    const entry = this.#lookup(name);
    if (entry === undefined) throw unknownType(typeUrl, name, undefined);
    return { typeUrl, value: encodePlain(entry.type, value) };
  }

  /**
   * Reads the `google.longrunning.operation_info` option of a method and resolves the
   * type names it declares.
   *
   * Long-running methods return a bare `google.longrunning.Operation`; this option is
   * where the proto says what its `response` and `metadata` hold. Names are resolved
   * as the option's documentation prescribes: a name with a leading `.` is absolute;
   * any other name is first looked up in the method's package (`"ExportResponse"` in
   * package `example.v1` means `example.v1.ExportResponse`), then, if it contains a
   * dot, as a fully qualified name (`"google.protobuf.Empty"`). The resolved type must
   * be known to the registry.
   *
   * @param methodName - The fully qualified method, `package.Service.Method`, e.g.
   *   `example.v1.ExportService.Export` (a lowerCamel method name is accepted too).
   * @returns The fully qualified response and metadata type names.
   * @throws {@link InvalidArgumentError} when no such method is loaded, or the method
   *   has no `operation_info` option (or one without `response_type` or
   *   `metadata_type`): the method is not a long-running method.
   * @throws {@link TypeMismatchError} when a declared type is not in the registry
   *   (`typeUrl` is the URL of the name as resolved in the method's package).
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: ['protos'] });
   * types.operationInfo('example.v1.ExportService.Export');
   * // { responseType: 'example.v1.ExportResponse', metadataType: 'example.v1.ExportMetadata' }
   * ```
   */
  operationInfo(methodName: string): OperationInfo {
    const expectation = 'a fully qualified long-running method `package.Service.Method`';
    if (typeof methodName !== 'string') throw new InvalidArgumentError('methodName', methodName, expectation);
    const fullName = methodName.startsWith('.') ? methodName.slice(1) : methodName;
    const dot = fullName.lastIndexOf('.');
    if (dot <= 0 || dot === fullName.length - 1) throw new InvalidArgumentError('methodName', methodName, expectation);
    const serviceName = fullName.slice(0, dot);
    const shortName = fullName.slice(dot + 1);
    const service = this.#root === undefined ? undefined : lookupExact(this.#root, serviceName);
    if (!isService(service)) {
      throw new InvalidArgumentError('methodName', methodName,
        `${expectation} of a service in this registry (no service ${serviceName} is loaded)`);
    }
    const method = findMethod(service, shortName);
    if (method === undefined) {
      throw new InvalidArgumentError('methodName', methodName,
        `a method of ${serviceName} (one of ${Object.keys(service.methods).join(', ') || 'none'})`);
    }
    const declared = readOperationInfo(method);
    const canonical = `${serviceName}.${method.name}`;
    if (declared.responseType === undefined || declared.metadataType === undefined) {
      const missing = declared.responseType === undefined && declared.metadataType === undefined
        ? 'no google.longrunning.operation_info option'
        : `a google.longrunning.operation_info option without ${declared.responseType === undefined ? 'response_type' : 'metadata_type'}`;
      throw new InvalidArgumentError('methodName', methodName,
        `a long-running method whose google.longrunning.operation_info names its response and metadata types ` +
        `(${canonical} has ${missing}; pass responseType and metadataType explicitly)`);
    }
    const scope = service.parent?.fullName.replace(/^\./, '') ?? '';
    return {
      responseType: this.#resolveDeclared(declared.responseType, scope, canonical, 'response_type'),
      metadataType: this.#resolveDeclared(declared.metadataType, scope, canonical, 'metadata_type'),
    };
  }

  /**
   * The message type of a fully qualified name from this registry's own Root (not the
   * well-known types), or undefined: what the HTTP/JSON codec resolves Anys with.
   *
   * @internal
   */
  messageType(typeName: string): protobuf.Type | undefined {
    if (this.#root === undefined || typeof typeName !== 'string') return undefined;
    const name = typeName.startsWith('.') ? typeName.slice(1) : typeName;
    if (name === '') return undefined;
    const type = lookupExact(this.#root, name);
    return isType(type) ? type : undefined;
  }

  /** Resolves a name from operation_info against the method's package, then absolutely. */
  #resolveDeclared(declared: string, scope: string, method: string, option: string): string {
    const candidates = declared.startsWith('.')
      ? [declared.slice(1)]
      : scope === '' ? [declared] : [`${scope}.${declared}`, ...(declared.includes('.') ? [declared] : [])];
    for (const candidate of candidates) {
      if (candidate !== '' && this.#lookup(candidate) !== undefined) return candidate;
    }
    const first = candidates[0] ?? declared;
    throw new TypeMismatchError(`${DEFAULT_TYPE_URL_PREFIX}${first}`, first,
      `${method} declares ${option} ${JSON.stringify(declared)} in google.longrunning.operation_info, but no ` +
      `message ${candidates.join(' or ')} is registered; load the .proto file that defines it.`);
  }

  /** The entry of a type URL not seen before; caches it. */
  #resolveUrl(typeUrl: string, expectedType: string | undefined): TypeEntry {
    const name = typeNameOf(typeUrl);
    const expected = expectedType === undefined ? undefined : typeNameOf(expectedType);
    // A URL naming another type is a mismatch whether or not that type is known.
    if (expected !== undefined && expected !== name) throw mismatch(typeUrl, expected, name);
    const entry = this.#lookup(name);
    if (entry === undefined) throw unknownType(typeUrl, name, expected);
    if (this.#byUrl.size >= MAX_CACHED_TYPE_URLS) this.#byUrl.clear();
    this.#byUrl.set(typeUrl, entry);
    return entry;
  }

  /** Finds a message type by exact full name: the Root first, then the well-known types. */
  #lookup(name: string): TypeEntry | undefined {
    let entry = this.#byName.get(name);
    if (entry !== undefined) return entry;
    let type = this.#root === undefined ? undefined : lookupExact(this.#root, name);
    if (!isType(type)) type = lookupExact(wellKnownRoot(), name);
    if (!isType(type)) return undefined;
    let decode: PlainDecoder;
    try {
      decode = plainDecoderFor(type);
    } catch (error) {
      // Only a malformed schema gets here (e.g. an invalid field number in a JSON Root).
      throw new TypeMismatchError(name, undefined,
        `Cannot decode messages of type ${name}: its schema is malformed (${error instanceof Error ? error.message : String(error)}).`,
        { cause: error });
    }
    entry = { name, type, decode };
    this.#byName.set(name, entry);
    return entry;
  }
}

function mismatch(typeUrl: string, expected: string, actual: string): TypeMismatchError {
  return new TypeMismatchError(typeUrl, expected,
    `Expected an Any holding ${expected}, got one holding ${actual} (type URL ${JSON.stringify(typeUrl)}).`);
}

/** An Any that arrived over HTTP/JSON with a type the client did not know: only its JSON form is kept. */
function jsonOnly(typeUrl: string, expectedType: string | undefined): TypeMismatchError {
  let name: string;
  try {
    name = typeNameOf(typeUrl);
  } catch {
    name = JSON.stringify(typeUrl);
  }
  return new TypeMismatchError(typeUrl, expectedType === undefined ? undefined : typeNameOf(expectedType),
    `The Any holding ${name} arrived over HTTP/JSON while the client did not know ${name}, so only its JSON ` +
    'form (`any.json`) was kept; register the type in the client\'s TypeRegistry (TypeRegistry.fromProtoFiles(), ' +
    'fromJSON(), or a protobufjs Root that contains it) to unpack it.');
}

/**
 * The class a static factory was called on (the Node entry's subclass, or this one),
 * or this one when the factory was called detached from its class.
 */
function registryClass<T extends PortableTypeRegistry>(self: new (root?: protobuf.Root) => T): new (root?: protobuf.Root) => T {
  return typeof self === 'function' ? self : PortableTypeRegistry as unknown as new (root?: protobuf.Root) => T;
}

function unknownType(typeUrl: string, name: string, expected: string | undefined): TypeMismatchError {
  return new TypeMismatchError(typeUrl, expected,
    `No message type ${name} is registered (type URL ${JSON.stringify(typeUrl)}` +
    `${expected === undefined ? '' : `, expected ${expected}`}); load the .proto file that defines it ` +
    'with TypeRegistry.fromProtoFiles(), give its descriptor to TypeRegistry.fromJSON(), or pass a protobufjs Root that contains it.');
}

/**
 * Looks a dotted name up segment by segment from the root. Unlike protobufjs'
 * `lookup`, never falls back to a similarly named type in another package.
 */
function lookupExact(root: protobuf.Root, name: string): protobuf.ReflectionObject | undefined {
  let current: protobuf.ReflectionObject = root;
  for (const part of name.split('.')) {
    const nested = (current as protobuf.Namespace).nested;
    if (part === '' || nested === undefined || !Object.hasOwn(nested, part)) return undefined;
    current = nested[part]!;
  }
  return current;
}

function isService(value: unknown): value is protobuf.Service {
  return typeof value === 'object' && value !== null &&
    typeof (value as protobuf.Service).methods === 'object' && (value as protobuf.Service).methods !== null;
}

/** The method by its proto name, or by the lowerCamel name generated clients use. */
function findMethod(service: protobuf.Service, name: string): protobuf.Method | undefined {
  const methods = service.methods;
  if (Object.hasOwn(methods, name)) return methods[name];
  const lower = name.toLowerCase();
  return Object.values(methods).find((method) => method.name.toLowerCase() === lower);
}

/**
 * The operation_info option of a method. protobufjs keeps options flattened in
 * `options` (`(google.longrunning.operation_info).response_type`) and as aggregates in
 * `parsedOptions`; Roots built from JSON descriptors may have only the former.
 */
function readOperationInfo(method: protobuf.Method): { responseType?: string; metadataType?: string } {
  let responseType: string | undefined;
  let metadataType: string | undefined;
  const take = (field: string, value: unknown): void => {
    if (typeof value !== 'string' || value === '') return;
    if (field === 'response_type' || field === 'responseType') responseType ??= value;
    else if (field === 'metadata_type' || field === 'metadataType') metadataType ??= value;
  };
  for (const [key, value] of Object.entries(method.options ?? {})) {
    const match = OPERATION_INFO_FIELD.exec(key);
    if (match !== null) take(match[1], value);
  }
  const parsed: unknown = method.parsedOptions;
  for (const option of Array.isArray(parsed) ? parsed as unknown[] : [parsed]) {
    if (typeof option !== 'object' || option === null) continue;
    for (const [key, value] of Object.entries(option as Record<string, unknown>)) {
      if (OPERATION_INFO_OPTION.test(key) && typeof value === 'object' && value !== null) {
        for (const [field, inner] of Object.entries(value)) take(field, inner);
      } else {
        const match = OPERATION_INFO_FIELD.exec(key);
        if (match !== null) take(match[1], value);
      }
    }
  }
  return { ...(responseType === undefined ? {} : { responseType }), ...(metadataType === undefined ? {} : { metadataType }) };
}
