/**
 * The types every `TypeRegistry` knows without registration: the protobuf
 * well-known types and google.rpc's Status with its standard error details. They are
 * loaded from the protos shipped with google-gax once, on first use, and shared by
 * every registry.
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import { loadProtoFiles } from './proto-files.js';

/** The files defining the well-known types, relative to the google protos folder. */
const WELL_KNOWN_FILES: readonly string[] = [
  'google/protobuf/any.proto',
  'google/protobuf/duration.proto',
  'google/protobuf/empty.proto',
  'google/protobuf/field_mask.proto',
  'google/protobuf/struct.proto',
  'google/protobuf/timestamp.proto',
  'google/protobuf/wrappers.proto',
  'google/rpc/status.proto',
  'google/rpc/error_details.proto',
];

let cachedRoot: protobuf.Root | undefined;

/**
 * The Root holding the well-known types; loaded on the first call (a few
 * milliseconds of synchronous file reads), then cached for the process.
 *
 * @internal
 */
export function wellKnownRoot(): protobuf.Root {
  cachedRoot ??= loadProtoFiles(WELL_KNOWN_FILES);
  return cachedRoot;
}
