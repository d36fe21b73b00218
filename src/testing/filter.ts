/**
 * The ListOperations filter language of the embedded server: a small, strict subset of
 * AIP-160, so a client that builds filters by hand learns early when it sends something
 * a real service might not understand.
 *
 * ```text
 * filter     = [ condition { "AND" condition } ]      (AND in upper case, with spaces around it)
 * condition  = "done" "=" ( "true" | "false" )          (spaces around "=" optional)
 *            | "name" ":" '"' prefix '"'                (prefix match; \" and \\ escapes)
 * ```
 *
 * @internal
 * @module
 */
import type { Operation } from '../types.js';

/** Decides whether an operation passes a filter. @internal */
export type OperationPredicate = (operation: Operation) => boolean;

/**
 * A filter the grammar does not cover. `message` names the part that cannot be
 * parsed and its position, ready to be sent as an INVALID_ARGUMENT message.
 *
 * @internal
 */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
  /** Index in the filter where parsing stopped. */
  readonly position: number;

  constructor(filter: string, position: number, expected: string) {
    const rest = filter.slice(position);
    const shown = rest.length > 40 ? `${rest.slice(0, 40)}...` : rest;
    super(rest.length === 0
      ? `cannot parse filter ${JSON.stringify(filter)}: expected ${expected} at its end`
      : `cannot parse filter ${JSON.stringify(filter)} at position ${position} (${JSON.stringify(shown)}): ` +
        `expected ${expected}`);
    this.position = position;
  }
}

const DONE = /done\s*=\s*(true|false)(?![\w.])/y;
const NAME = /name\s*:\s*"((?:[^"\\]|\\.)*)"/y;
const AND = /\s+AND(?:\s+|$)/y;
const SPACES = /\s*/y;
const CONDITION = '`done = true`, `done = false` or `name:"prefix"`';

function matchAt(pattern: RegExp, text: string, position: number): RegExpExecArray | null {
  pattern.lastIndex = position;
  return pattern.exec(text);
}

/**
 * Parses a filter into a predicate; an empty or blank filter matches everything.
 *
 * @throws FilterSyntaxError naming the part that cannot be parsed.
 * @internal
 */
export function parseOperationFilter(filter: string): OperationPredicate {
  const conditions: OperationPredicate[] = [];
  let position = matchAt(SPACES, filter, 0)![0].length;
  if (position === filter.length) return () => true;
  for (;;) {
    const done = matchAt(DONE, filter, position);
    const name = done ? null : matchAt(NAME, filter, position);
    if (done) {
      const wanted = done[1] === 'true';
      conditions.push((operation) => operation.done === wanted);
      position += done[0].length;
    } else if (name) {
      const prefix = name[1].replace(/\\(.)/gu, '$1');
      conditions.push((operation) => operation.name.startsWith(prefix));
      position += name[0].length;
    } else {
      throw new FilterSyntaxError(filter, position, CONDITION);
    }
    const and = matchAt(AND, filter, position);
    if (and) {
      position += and[0].length;
      continue;
    }
    position += matchAt(SPACES, filter, position)![0].length;
    if (position === filter.length) break;
    throw new FilterSyntaxError(filter, position, '` AND ` followed by another condition, or the end of the filter');
  }
  return (operation) => conditions.every((condition) => condition(operation));
}
