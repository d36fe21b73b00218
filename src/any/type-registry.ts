/**
 * The Node entry's TypeRegistry: the browser-safe {@link PortableTypeRegistry} plus
 * `fromProtoFiles`, which reads `.proto` files from disk (and finds the google.*
 * protos inside google-gax).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { PortableTypeRegistry } from './portable-type-registry.js';
import { loadProtoFiles } from './proto-files.js';

export { typeNameOf } from './portable-type-registry.js';
export type { AnyInput, OperationInfo } from './portable-type-registry.js';

/**
 * Options of {@link TypeRegistry.fromProtoFiles}.
 *
 * @example
 * ```ts
 * import { TypeRegistry, type ProtoFilesOptions } from 'longrunning-client';
 * const options: ProtoFilesOptions = { includeDirs: ['protos'] };
 * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], options);
 * ```
 */
export interface ProtoFilesOptions {
  /**
   * Directories that the files and their imports are resolved against, in order.
   * The google.* protos shipped with google-gax (`google/longrunning/operations.proto`,
   * `google/rpc/*.proto`, the well-known types) are always found after them.
   * @defaultValue `[]`: paths are resolved against the working directory.
   */
  includeDirs?: string[];
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
 * This is the Node entry's class: everything of the browser entry's `TypeRegistry`
 * (`longrunning-client/browser`, no file system) plus {@link TypeRegistry.fromProtoFiles}.
 *
 * @example
 * ```ts
 * import { TypeRegistry } from 'longrunning-client';
 * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: ['protos'] });
 * const { responseType } = types.operationInfo('example.v1.ExportService.Export');
 * const result = types.unpack<{ destination: string }>(operation.response!, responseType);
 * ```
 */
export class TypeRegistry extends PortableTypeRegistry {
  /**
   * Loads `.proto` files and returns a registry of their types (and of everything
   * they import) plus the well-known types.
   *
   * Imports are resolved against `includeDirs` first, then against the google.* protos
   * shipped with google-gax, so `import "google/longrunning/operations.proto";` works
   * without copying the file. Field names become camelCase.
   *
   * @param paths - The files to load, relative to an include directory or to the
   *   working directory, or absolute.
   * @param options - Where to look for the files and their imports.
   * @throws {@link InvalidArgumentError} when `paths` is not a non-empty array of
   *   strings or `includeDirs` is not an array of strings. A file that does not exist
   *   or does not parse rejects with protobufjs' error.
   *
   * @example
   * ```ts
   * import { TypeRegistry } from 'longrunning-client';
   * const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: ['protos'] });
   * ```
   */
  static fromProtoFiles(paths: string[], options?: ProtoFilesOptions): Promise<TypeRegistry> {
    // An executor that throws rejects: every failure, validation included, is a rejection.
    return new Promise((resolve) => {
      if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p !== '')) {
        throw new InvalidArgumentError('paths', paths, 'a non-empty array of .proto file paths');
      }
      const includeDirs = options?.includeDirs ?? [];
      if (!Array.isArray(includeDirs) || !includeDirs.every((dir) => typeof dir === 'string')) {
        throw new InvalidArgumentError('options.includeDirs', includeDirs, 'an array of directory paths');
      }
      resolve(new TypeRegistry(loadProtoFiles(paths, includeDirs)));
    });
  }
}
