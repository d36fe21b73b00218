/**
 * What a handle knows about its operation at one moment: the raw Operation plus its
 * unpacked metadata and result.
 *
 * @module
 */
import type { Any, Operation, Status } from '../types.js';

/**
 * One state of a long-running operation, with `metadata` and `response` unpacked by the
 * client's TypeRegistry. `raw` is the Operation as received.
 *
 * @typeParam R - The unpacked response type.
 * @typeParam M - The unpacked metadata type.
 */
export interface OperationSnapshot<R = unknown, M = unknown> {
  /** The operation's name. */
  name: string;
  /** Whether the operation has finished. */
  done: boolean;
  /** The unpacked progress metadata, when the server sent any. */
  metadata?: M;
  /** The unpacked result, when the operation finished successfully with one. */
  response?: R;
  /** The operation's error, when it failed. */
  error?: Status;
  /** The Operation as received from the server. */
  raw: Operation;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two Anys hold the same type and bytes (both absent counts as same). @internal */
export function sameAny(a: Any | undefined, b: Any | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.typeUrl === b.typeUrl && sameBytes(a.value, b.value);
}

function sameStatus(a: Status | undefined, b: Status | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.code === b.code && a.message === b.message && a.details.length === b.details.length &&
    a.details.every((detail, i) => sameAny(detail, b.details[i]));
}

/** Whether two Operations are the same state (what makes a snapshot "distinct"). @internal */
export function sameOperation(a: Operation, b: Operation): boolean {
  return a.name === b.name && a.done === b.done && sameAny(a.metadata, b.metadata) &&
    sameAny(a.response, b.response) && sameStatus(a.error, b.error);
}
