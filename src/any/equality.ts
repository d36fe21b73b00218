/**
 * Byte-wise equality of Any values: what "the same metadata" means to the poller
 * (progress or not) and to the handle (a distinct state or not).
 *
 * @internal
 * @module
 */
import type { Any } from '../types.js';

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
