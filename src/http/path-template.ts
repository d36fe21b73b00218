/**
 * `google.api.http` path templates (the grammar of `google/api/http.proto`):
 *
 * ```
 * Template = "/" Segments [ Verb ] ;
 * Segments = Segment { "/" Segment } ;
 * Segment  = "*" | "**" | LITERAL | Variable ;
 * Variable = "{" FieldPath [ "=" Segments ] "}" ;
 * FieldPath = IDENT { "." IDENT } ;
 * Verb     = ":" LITERAL ;
 * ```
 *
 * Expansion follows http.proto: a variable of exactly one segment (`{var}`, `{var=*}`,
 * `{var=literal}`) percent-encodes every character but `[-_.~0-9a-zA-Z]`, `/` included;
 * a multi-segment variable (`{var=**}`, `{var=operations/*}`) keeps `/` literal (RFC
 * 6570 reserved expansion, `{+var}`). Matching reverses it: a single-segment variable is
 * fully percent-decoded, a multi-segment one keeps `%2F` undecoded (a `/` inside a
 * segment must not become a segment separator).
 *
 * Decisions where http.proto is loose: `**` matches one segment or more (so
 * `{name=operations/**}` never matches the bare collection `operations`); an empty,
 * `.` or `..` segment never matches (URL normalization would rewrite it); at most one
 * `**` per template (the match is then unambiguous); a variable's value must fit its
 * pattern on expansion too, so a name of another shape is refused before anything is
 * sent.
 *
 * A leaf: no `node:` built-in and no Node global (see http-rule.ts).
 *
 * @internal
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/** One segment of a template's pattern. @internal */
export type SegmentPattern =
  | { readonly kind: 'literal'; readonly raw: string; readonly decoded: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'stars' };

/** A variable: its field path and the range of the template's segments it binds. @internal */
export interface VariableSpan {
  readonly fieldPath: string;
  /** First segment index (inclusive). */
  readonly start: number;
  /** Last segment index (exclusive). */
  readonly end: number;
  /** Exactly one segment, not `**`: `/` is percent-encoded on expansion. */
  readonly singleSegment: boolean;
}

// Characters a literal may hold: RFC 3986 pchar without ":" (it starts the verb), "*"
// and "=" (template syntax) and "/" (the separator); "%" only as a %XX escape.
const LITERAL = /^(?:[A-Za-z0-9\-._~!$&'()+,;@]|%[0-9A-Fa-f]{2})+$/;
const LITERAL_CHARACTER = /^[A-Za-z0-9\-._~!$&'()+,;@]$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A parsed `google.api.http` path template: matches a request path to its variables
 * and expands variables back into a path. Built with {@link parsePathTemplate}.
 *
 * @internal
 */
export class PathTemplate {
  /** The template as written, e.g. `/v1/{name=operations/**}:cancel`. */
  readonly source: string;
  /** The verb after the last segment (`cancel`), or undefined. */
  readonly verb: string | undefined;
  /** The variables' field paths, in order of appearance (`name`, `a.b`). */
  readonly variables: readonly string[];
  /** Whether a `*` or `**` stands outside any variable: such a template can match but not expand. */
  readonly hasAnonymousWildcards: boolean;
  readonly #segments: readonly SegmentPattern[];
  readonly #spans: readonly VariableSpan[];
  /** Index of the `**` segment, or -1. */
  readonly #stars: number;

  /** @internal Use {@link parsePathTemplate}. */
  constructor(source: string, segments: readonly SegmentPattern[], spans: readonly VariableSpan[], verb: string | undefined) {
    this.source = source;
    this.verb = verb;
    this.#segments = segments;
    this.#spans = spans;
    this.#stars = segments.findIndex((segment) => segment.kind === 'stars');
    this.variables = spans.map((span) => span.fieldPath);
    this.hasAnonymousWildcards = segments.some((segment, index) =>
      segment.kind !== 'literal' && !spans.some((span) => index >= span.start && index < span.end));
  }

  /**
   * The variables of a request path, or undefined when the path does not match.
   *
   * @param path - The raw, percent-encoded path starting with `/`, without the query.
   * @returns Each variable's value by field path, percent-decoded (`%2F` kept as is in
   * multi-segment variables).
   */
  match(path: string): Record<string, string> | undefined {
    if (!path.startsWith('/')) return undefined;
    let rest = path.slice(1);
    if (this.verb !== undefined) {
      const suffix = `:${this.verb}`;
      if (!rest.endsWith(suffix)) return undefined;
      rest = rest.slice(0, -suffix.length);
    }
    const raw = rest.split('/');
    const decoded: string[] = [];
    for (const segment of raw) {
      const value = decodeSegment(segment, false);
      if (value === undefined || !usableSegment(value)) return undefined;
      decoded.push(value);
    }
    const placed = placeSegments(this.#segments, this.#stars, raw.length);
    if (placed === undefined) return undefined;
    for (let index = 0; index < this.#segments.length; index++) {
      const segment = this.#segments[index];
      if (segment.kind === 'literal' && decoded[placed[index]] !== segment.decoded) return undefined;
    }
    const values: Record<string, string> = {};
    for (const span of this.#spans) {
      const from = placed[span.start];
      const to = span.end === this.#segments.length ? raw.length : placed[span.end];
      if (span.singleSegment) {
        values[span.fieldPath] = decoded[from]!;
      } else {
        const parts: string[] = [];
        for (let index = from; index < to; index++) parts.push(decodeSegment(raw[index], true)!);
        values[span.fieldPath] = parts.join('/');
      }
    }
    return values;
  }

  /**
   * The path for the given variable values, or undefined when a value is missing, is
   * not a string (or number), or does not fit its variable's pattern; also undefined
   * when the template has a wildcard outside any variable (nothing to fill it with).
   *
   * @param values - The request, read by each variable's field path (`a.b` reads `values.a.b`).
   */
  expand(values: Readonly<Record<string, unknown>>): string | undefined {
    if (this.hasAnonymousWildcards) return undefined;
    const parts: string[] = [];
    let index = 0;
    for (const span of this.#spans) {
      for (; index < span.start; index++) parts.push(literalText(this.#segments[index]));
      const value = readField(values, span.fieldPath);
      if (value === undefined) return undefined;
      const pattern = this.#segments.slice(span.start, span.end);
      const pieces = span.singleSegment ? [value] : value.split('/');
      if (!fits(pattern, pieces)) return undefined;
      const encoded: string[] = [];
      for (const piece of pieces) {
        const escaped = encodeSegment(piece);
        if (escaped === undefined) return undefined;
        encoded.push(escaped);
      }
      parts.push(encoded.join('/'));
      index = span.end;
    }
    for (; index < this.#segments.length; index++) parts.push(literalText(this.#segments[index]));
    return `/${parts.join('/')}${this.verb === undefined ? '' : `:${this.verb}`}`;
  }

  /** The template as written. */
  toString(): string {
    return this.source;
  }
}

/**
 * Parses a `google.api.http` path template.
 *
 * @param source - The template, e.g. `/v1/{name=operations/**}:cancel`.
 * @param argument - What errors name as the rejected argument, e.g. `httpRules[2].get`.
 * @throws {@link InvalidArgumentError} naming `argument`, the template, what is wrong
 * and at which index.
 * @internal
 */
export function parsePathTemplate(source: unknown, argument = 'template'): PathTemplate {
  const fail = (problem: string, index?: number): never => {
    throw new InvalidArgumentError(argument, source,
      `a google.api.http path template ("/" segments [":" verb]), but ${problem}` +
      (index === undefined ? '' : ` at index ${index}`));
  };
  if (typeof source !== 'string') return fail('it is not a string');
  if (!source.startsWith('/')) return fail('it does not start with "/"', 0);

  const segments: SegmentPattern[] = [];
  const spans: VariableSpan[] = [];
  let verb: string | undefined;
  let position = 1;

  // One segment of text (no "/", "{", "}", ":" inside) starting at `start`.
  const parseSegment = (text: string, start: number): SegmentPattern => {
    if (text === '') return fail('a segment is empty', start);
    if (text === '*') return { kind: 'star' };
    if (text === '**') return { kind: 'stars' };
    if (text === '.' || text === '..') return fail(`the segment "${text}" would be removed by URL normalization`, start);
    if (!LITERAL.test(text)) {
      for (let at = 0; at < text.length; at++) {
        if (text[at] === '%') {
          if (!/^%[0-9A-Fa-f]{2}/.test(text.slice(at))) return fail('a "%" is not followed by two hexadecimal digits', start + at);
          at += 2;
        } else if (!LITERAL_CHARACTER.test(text[at])) {
          return fail(`${JSON.stringify(text[at])} is not allowed in a literal segment`, start + at);
        }
      }
    }
    const decoded = safeDecode(text);
    if (decoded === undefined) return fail(`the literal ${JSON.stringify(text)} does not decode as UTF-8`, start);
    return { kind: 'literal', raw: text, decoded };
  };
  // A run of text up to any of `stops`, from `position`.
  const readUntil = (stops: string): string => {
    let end = position;
    while (end < source.length && !stops.includes(source[end])) end++;
    const text = source.slice(position, end);
    position = end;
    return text;
  };

  for (;;) {
    const start = position;
    if (source[position] === '{') {
      position++;
      const fieldPath = readUntil('=}/{:');
      if (!fieldPath.split('.').every((part) => IDENT.test(part))) {
        return fail(`the variable name ${JSON.stringify(fieldPath)} is not a field path (identifiers joined by ".")`, start + 1);
      }
      if (spans.some((span) => span.fieldPath === fieldPath)) return fail(`the variable "${fieldPath}" appears twice`, start + 1);
      const first = segments.length;
      if (source[position] === '=') {
        position++;
        for (;;) {
          const at = position;
          const text = readUntil('/{}:');
          if (source[position] === '{') return fail('a variable cannot contain a variable', position);
          if (source[position] === ':') return fail('":" is not allowed inside a variable', position);
          segments.push(parseSegment(text, at));
          if (source[position] !== '/') break;
          position++;
        }
      } else {
        segments.push({ kind: 'star' });
      }
      if (source[position] !== '}') {
        if (position >= source.length) return fail(`the "{" at index ${start} is never closed`);
        return fail(`${JSON.stringify(source[position])} is not allowed here`, position);
      }
      position++;
      const pattern = segments.slice(first);
      spans.push({
        fieldPath, start: first, end: segments.length,
        singleSegment: pattern.length === 1 && pattern[0].kind !== 'stars',
      });
    } else {
      const text = readUntil('/{}:');
      if (source[position] === '{') return fail('a "{" can only start a segment', position);
      if (source[position] === '}') return fail('a "}" closes no variable', position);
      segments.push(parseSegment(text, start));
    }
    if (position >= source.length) break;
    if (source[position] === ':') {
      const at = position + 1;
      const text = source.slice(at);
      if (text === '' || !LITERAL.test(text)) {
        return fail(text === '' ? 'the verb after ":" is empty' : `the verb ${JSON.stringify(text)} is not a literal`, at);
      }
      verb = text;
      break;
    }
    if (source[position] !== '/') return fail(`${JSON.stringify(source[position])} is not allowed here`, position);
    position++;
  }

  const stars = segments.filter((segment) => segment.kind === 'stars').length;
  if (stars > 1) return fail(`"**" appears ${stars} times; at most one is allowed`);
  return new PathTemplate(source, segments, spans, verb);
}

/**
 * Where each template segment starts among `count` path segments (`**` takes the
 * slack, at least one), or undefined when the counts cannot fit.
 */
function placeSegments(segments: readonly SegmentPattern[], stars: number, count: number): number[] | undefined {
  if (stars < 0 ? count !== segments.length : count < segments.length) return undefined;
  const slack = count - segments.length;
  return segments.map((_, index) => (stars >= 0 && index > stars ? index + slack : index));
}

/** Whether already-split value pieces fit a variable's pattern (expansion side). */
function fits(pattern: readonly SegmentPattern[], pieces: readonly string[]): boolean {
  if (!pieces.every(usableSegment)) return false;
  const stars = pattern.findIndex((segment) => segment.kind === 'stars');
  const placed = placeSegments(pattern, stars, pieces.length);
  if (placed === undefined) return false;
  return pattern.every((segment, index) => segment.kind !== 'literal' || pieces[placed[index]] === segment.decoded);
}

/** The text of a literal segment (expansion runs only on templates without anonymous wildcards). */
function literalText(segment: SegmentPattern): string {
  return segment.kind === 'literal' ? segment.raw : segment.kind === 'star' ? '*' : '**';
}

/** Empty, `.` and `..` segments never match: URL normalization rewrites them. */
function usableSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..';
}

function readField(values: Readonly<Record<string, unknown>>, fieldPath: string): string | undefined {
  let value: unknown = values;
  for (const part of fieldPath.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Percent-encodes every character but `[-_.~0-9a-zA-Z]` (UTF-8); undefined for a
 * string with an unpaired surrogate (not representable in a URL).
 */
function encodeSegment(text: string): string | undefined {
  let escaped: string;
  try {
    escaped = encodeURIComponent(text);
  } catch {
    return undefined;
  }
  // encodeURIComponent leaves !'()* as they are; http.proto escapes them too.
  return escaped.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decodes a segment, keeping `%2F` when `keepSlash`; undefined when not valid UTF-8. */
function decodeSegment(segment: string, keepSlash: boolean): string | undefined {
  if (!keepSlash) return safeDecode(segment);
  const pieces = segment.split(/(%2F)/i);
  const out: string[] = [];
  for (let index = 0; index < pieces.length; index++) {
    if (index % 2 === 1) {
      out.push(pieces[index]);
      continue;
    }
    const piece = safeDecode(pieces[index]);
    if (piece === undefined) return undefined;
    out.push(piece);
  }
  return out.join('');
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
