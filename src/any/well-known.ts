/**
 * The types every `TypeRegistry` knows without registration: the protobuf
 * well-known types and google.rpc's Status with its standard error details.
 *
 * Built once, on first use, from descriptors bundled in code (protobufjs' common
 * protos and the generated google.rpc descriptor), never from disk: the browser entry
 * and the HTTP/JSON codec use the same Root as Node. Field names are the proto names
 * (`retry_delay`); the plain decoder and encoder camelCase them (plain-form.ts).
 *
 * A browser-safe leaf: no `node:` built-in, no Node global.
 *
 * @internal
 * @module
 */
import protobuf from 'protobufjs';
import { RPC_DESCRIPTOR } from '../http/rpc-descriptor.js';

/** The google.protobuf common protos protobufjs bundles (the well-known types). */
const COMMON_FILES = ['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers'];

let cachedRoot: protobuf.Root | undefined;

/**
 * The Root holding the well-known and google.rpc types; built on the first call, then
 * cached for the process.
 *
 * @internal
 */
export function wellKnownRoot(): protobuf.Root {
  if (cachedRoot === undefined) {
    const root = new protobuf.Root();
    for (const file of COMMON_FILES) {
      const json = protobuf.common.get(`google/protobuf/${file}.proto`);
      if (json?.nested !== undefined) root.addJSON(json.nested);
    }
    root.addJSON(RPC_DESCRIPTOR.nested);
    root.resolveAll();
    cachedRoot = root;
  }
  return cachedRoot;
}

/**
 * A message type of the well-known Root by exact full name (no protobufjs fuzzy lookup).
 *
 * @internal
 */
export function wellKnownType(name: string): protobuf.Type | undefined {
  let current: protobuf.ReflectionObject = wellKnownRoot();
  for (const part of name.split('.')) {
    const nested = (current as protobuf.Namespace).nested;
    if (part === '' || nested === undefined || !Object.hasOwn(nested, part)) return undefined;
    current = nested[part]!;
  }
  return current instanceof protobuf.Type ? current : undefined;
}
