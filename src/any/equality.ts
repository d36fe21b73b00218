/**
 * Byte-wise equality of Any values: what "the same metadata" means to the poller
 * (progress or not) and to the handle (a distinct state or not). An Any of a type the
 * client does not know, received over HTTP/JSON, has no bytes: its JSON form decides.
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

/** Deep equality of parsed JSON values (object key order does not matter). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length &&
    keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && sameJson(left[key], right[key]));
}

/**
 * Whether two Anys hold the same type and bytes, and the same JSON form when they
 * carry one (both absent counts as same). @internal
 */
export function sameAny(a: Any | undefined, b: Any | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.typeUrl === b.typeUrl && sameBytes(a.value, b.value) && sameJson(a.json, b.json);
}
