/**
 * Comparing operation states: what makes a snapshot "distinct".
 *
 * @internal
 * @module
 */
import { sameAny } from '../any/equality.js';
import type { Operation, Status } from '../types.js';

export { sameAny };

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
