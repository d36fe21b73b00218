/**
 * Comparing operation states: what makes a snapshot "distinct".
 *
 * @internal
 * @module
 */
import type { Any, Operation, Status } from '../types.js';

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
