/**
 * The error of JSON that does not map onto the expected message. Its own file so the
 * scalar readers and the codec share it without an import cycle.
 *
 * @internal
 * @module
 */

/** JSON that does not map onto the expected message; `path` names the field. @internal */
export class JsonMappingError extends Error {
  /** The message without the path. */
  readonly detail: string;
  /** What the field should hold ("a boolean"), when the value had the wrong form. */
  readonly expected: string | undefined;

  constructor(detail: string, readonly path: string, expected?: string) {
    super(`${path}: ${detail}`);
    this.name = 'JsonMappingError';
    this.detail = detail;
    this.expected = expected;
  }
}

/**
 * An Any whose type the codec cannot resolve: reading falls back to the Any's JSON
 * form (`Any.json`), so get, list and wait never fail on it.
 *
 * @internal
 */
export class UnknownAnyTypeError extends JsonMappingError {
  constructor(readonly typeName: string, path: string, action: string) {
    super(`cannot ${action} an Any of type ${typeName}: the type is not known (register it in the client's TypeRegistry)`, path);
    this.name = 'UnknownAnyTypeError';
  }
}
