/**
 * google-gax's REST fallback OperationsClient (`gax.fallback.lro`), pointed at the
 * embedded server's HTTP/JSON front-end and unable to reach anything else: plaintext
 * `protocol: 'http'` to the given loopback URL, `universeDomain` given, and an auth
 * client that holds a static token, so gax never looks for credentials. Shared by the
 * REST interop test and the HTTP benchmarks (bench/lib/gax.ts re-exports it).
 *
 * gax honours `httpRules` only together with a `protoJson` root, so the client always
 * gets a fresh root of gax's bundled operations JSON (gax rewrites the root's rules in
 * place: a shared one would leak one client's rules into the next), plus the message
 * types the caller's Anys hold: gax decodes every Any by its own root's types, and its
 * root knows no more than Any, Duration, Empty and Status.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as gax from 'google-gax';
import type { HttpRule } from '../../src/http/http-rule.js';

/** The static token the client sends; tests may assert that the server saw it. */
export const GAX_REST_TOKEN = 'gax-rest-interop-token';

/** google.longrunning.Operation as gax's REST client returns it (`toObject` with gax's options). */
export interface GaxRestOperation {
  name: string;
  done: boolean;
  metadata?: { type_url?: string; value?: Uint8Array | null } | null;
  response?: { type_url?: string; value?: Uint8Array | null } | null;
  error?: { code?: number; message?: string; details?: unknown[] } | null;
  result?: string;
}

/** The methods of gax's OperationsClient that the tests and benchmarks call. */
export interface GaxRestOperationsClient {
  getOperation(request: { name: string }): Promise<[GaxRestOperation, ...unknown[]]>;
  listOperations(
    request: { name: string; filter: string; pageSize?: number; pageToken?: string },
    options?: { autoPaginate?: boolean },
  ): Promise<[GaxRestOperation[], { pageToken?: string } | null, ...unknown[]]>;
  listOperationsAsync(request: { name: string; filter: string; pageSize?: number }, options?: { autoPaginate?: boolean }): AsyncIterable<GaxRestOperation>;
  cancelOperation(request: { name: string }): Promise<unknown>;
  deleteOperation(request: { name: string }): Promise<unknown>;
  close(): unknown;
}

export interface GaxRestOptions {
  /**
   * Rules for the Operations methods. gax only replaces the verb a method already has,
   * so a rule must use the default's verb (get, get, post, delete); it reads
   * `additional_bindings`, not `additionalBindings`, and skips rules for WaitOperation.
   */
  httpRules?: readonly HttpRule[];
  /** The protobufjs JSON (`root.toJSON()`) of the types the operations' Anys hold. */
  types?: object;
  /**
   * How gax sends requests: `'google-auth'` (default) through a google-auth-library
   * OAuth2Client holding a static token, i.e. gaxios, as gax's users run it;
   * `'fetch'` through the global fetch with the same header, to split gaxios' cost
   * from gax's own.
   */
  fetch?: 'google-auth' | 'fetch';
}

/**
 * gax's GetOperation binding is `/v1/operations/{name}`, which puts a second
 * `operations/` in front of our names and percent-encodes their slashes; every other
 * default binding agrees with operations.proto. This rule restores the proto's one.
 */
export const GAX_DEFAULT_RULES: readonly HttpRule[] = Object.freeze([
  { selector: 'google.longrunning.Operations.GetOperation', get: '/v1/{name=operations/**}' },
]);

let operationsJson: object | undefined;

/** gax's bundled operations protos as JSON (its package exports do not expose the file). */
function gaxOperationsJson(): object {
  if (operationsJson === undefined) {
    const require = createRequire(import.meta.url);
    const gaxMain = require.resolve('google-gax'); // .../google-gax/build/src/index.js
    operationsJson = JSON.parse(readFileSync(path.join(path.dirname(gaxMain), '..', 'protos', 'operations.json'), 'utf8')) as object;
  }
  return operationsJson;
}

type ProtobufNamespace = InstanceType<typeof gax.fallback.protobuf.Namespace>;
interface NestedJson { nested?: Record<string, NestedJson>; fields?: object; values?: object; methods?: object }

/**
 * Adds to `target` the definitions of `nested` it lacks, merging namespaces: gax's
 * root already defines part of google.protobuf, google.rpc and google.longrunning,
 * and protobufjs refuses a second definition of a type.
 */
function addMissing(target: ProtobufNamespace, nested: Record<string, NestedJson>): void {
  for (const [name, json] of Object.entries(nested)) {
    const existing = target.get(name);
    if (existing === null) {
      target.addJSON({ [name]: json });
    } else if (existing instanceof gax.fallback.protobuf.Namespace && json.nested !== undefined
      && json.fields === undefined && json.values === undefined && json.methods === undefined) {
      addMissing(existing, json.nested);
    }
  }
}

/** An auth client that can only ever send the static token, never discover or refresh one. */
function staticAuth(mode: 'google-auth' | 'fetch'): object {
  if (mode === 'google-auth') {
    const client = new gax.googleAuthLibrary.OAuth2Client();
    // No expiry and no refresh token: the token is always valid and never refreshed.
    client.setCredentials({ access_token: GAX_REST_TOKEN });
    return client;
  }
  const authorization = `Bearer ${GAX_REST_TOKEN}`;
  return {
    universeDomain: 'googleapis.com',
    getRequestHeaders: () => Promise.resolve(new Headers({ authorization })),
    // gax's stub calls auth.fetch(url, init); init also carries gaxios-only keys, which fetch ignores.
    fetch: (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', authorization);
      return fetch(url, { ...init, headers });
    },
  };
}

/**
 * gax's REST fallback OperationsClient for `httpUrl` (`http://127.0.0.1:PORT`), with
 * {@link GAX_DEFAULT_RULES} followed by `options.httpRules` (later rules win).
 */
export function createGaxRestOperationsClient(httpUrl: string, options: GaxRestOptions = {}): GaxRestOperationsClient {
  const url = new URL(httpUrl);
  const root = gax.fallback.protobuf.Root.fromJSON(gaxOperationsJson());
  const nested = (options.types as NestedJson | undefined)?.nested;
  if (nested !== undefined) addMissing(root, nested);
  const lroOptions = {
    fallback: true,
    protocol: 'http',
    auth: staticAuth(options.fetch ?? 'google-auth'),
    httpRules: [...GAX_DEFAULT_RULES, ...(options.httpRules ?? [])],
    protoJson: root,
  };
  const client: unknown = gax.fallback.lro(lroOptions as never).operationsClient({
    servicePath: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    universeDomain: 'googleapis.com',
  });
  return client as GaxRestOperationsClient;
}
