/**
 * Reads `--http-rules FILE`: the `google.api.HttpRule` bindings the HTTP/JSON transport
 * sends the Operations RPCs with. The file is either a JSON array of rules or a service
 * configuration (JSON or YAML) with `http: { rules: [...] }`, as Google APIs publish
 * them, so a service's YAML can be given as it is.
 *
 * A service config's `http.rules` usually binds more than the Operations mixin (e.g.
 * `google.cloud.location.Locations`): rules whose selector is outside
 * `google.longrunning.` are skipped. Everything else is checked here, with the SDK's own
 * rule validation, so a bad file is one line naming the file and the rule.
 *
 * @internal
 * @module
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { HttpBindings, type HttpRule } from '../http/http-rule.js';
import { UsageError } from './exit-codes.js';

/** Selectors under this prefix are the Operations API's (or a typo of it: checked). */
const OPERATIONS_PACKAGE = 'google.longrunning.';

/** What a file of rules holds, and where the rules were found in it. */
export interface LoadedHttpRules {
  /** The Operations rules, camelCase keys, in file order. */
  readonly rules: HttpRule[];
  /** Rules of other APIs that were skipped (a whole service config's mixins). */
  readonly skipped: number;
}

/**
 * Loads and checks the rules of `file`.
 *
 * @throws {@link UsageError} `--http-rules FILE: <problem>` for a file that cannot be
 *   read or parsed, has neither shape, or holds a rule the SDK refuses.
 * @internal
 */
export async function loadHttpRules(file: string): Promise<LoadedHttpRules> {
  const fail = (problem: string, cause?: unknown): never => {
    throw new UsageError(`--http-rules ${file}: ${problem}`, cause === undefined ? undefined : { cause });
  };
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    fail(`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  const document = await parseDocument(text, isYaml(file, text), fail);
  const { list, where } = ruleList(document, fail);

  // Keep the index in the file of each rule kept, so messages point at the file's rule.
  const rules: HttpRule[] = [];
  const indexInFile: number[] = [];
  list.forEach((entry: unknown, index) => {
    const path = `${where}[${index}]`;
    if (!isObject(entry)) return fail(`${path} is not an object (a google.api.HttpRule has selector, get/post/..., body)`);
    const { selector } = entry;
    if (typeof selector === 'string' && !selector.startsWith(OPERATIONS_PACKAGE)) return;
    rules.push(camelCaseRule(entry, path, fail));
    indexInFile.push(index);
  });
  if (rules.length === 0) {
    fail(list.length === 0
      ? `${where} is empty: there is no rule to bind the Operations RPCs with`
      : `${where} has no rule for google.longrunning.Operations (only other APIs' selectors)`);
  }
  try {
    // Validation only: the client builds its own bindings from the same rules.
    new HttpBindings(rules, { argument: where });
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const message = error.message.replace(new RegExp(`${escapeRegExp(where)}\\[(\\d+)\\]`, 'g'),
      (_match, kept: string) => `${where}[${indexInFile[Number(kept)] ?? kept}]`);
    fail(message, error);
  }
  return { rules, skipped: list.length - rules.length };
}

/** YAML by extension; for any other name, YAML unless the text starts like JSON. */
function isYaml(file: string, text: string): boolean {
  if (/\.ya?ml$/i.test(file)) return true;
  if (/\.json$/i.test(file)) return false;
  return !/^\s*[[{]/.test(text);
}

async function parseDocument(text: string, yaml: boolean, fail: (problem: string, cause?: unknown) => never): Promise<unknown> {
  if (!yaml) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      return fail(`not valid JSON: ${(error as Error).message}`, error);
    }
  }
  // Loaded only for a YAML file: most runs never need the parser.
  const { parse } = await import('yaml');
  try {
    return parse(text) as unknown;
  } catch (error) {
    // The yaml package's messages end with a code excerpt on further lines.
    const first = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    return fail(`not valid YAML: ${first}`, error);
  }
}

/** The list of rules: the document itself, `http.rules`, or `rules` (an `http:` section alone). */
function ruleList(document: unknown, fail: (problem: string) => never): { list: unknown[]; where: string } {
  if (Array.isArray(document)) return { list: document, where: 'rules' };
  if (isObject(document)) {
    const http = document.http;
    if (isObject(http) && http.rules !== undefined) {
      if (!Array.isArray(http.rules)) fail('http.rules is not a list of rules');
      return { list: http.rules as unknown[], where: 'http.rules' };
    }
    if (http === undefined && Array.isArray(document.rules)) return { list: document.rules, where: 'rules' };
  }
  return fail('expected a list of google.api.HttpRule objects, or a service config with http: { rules: [...] }');
}

/**
 * A rule with its keys in camelCase (`additional_bindings` -> `additionalBindings`,
 * `response_body` -> `responseBody`), as protobuf's JSON and YAML parsers accept both
 * spellings; its additional bindings too.
 */
function camelCaseRule(rule: Record<string, unknown>, path: string, fail: (problem: string) => never): HttpRule {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rule)) {
    const camel = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    if (Object.hasOwn(result, camel)) fail(`${path} has both ${camel} and ${key}: give one`);
    result[camel] = value;
  }
  if (Array.isArray(result.additionalBindings)) {
    result.additionalBindings = result.additionalBindings.map((binding: unknown, index) =>
      isObject(binding) ? camelCaseRule(binding, `${path}.additionalBindings[${index}]`, fail) : binding);
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
