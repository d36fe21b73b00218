/**
 * The limit over HTTP/JSON: a bare `fetch` loop against the embedded server's default
 * bindings, with no validation, retry, auth or binding matcher. Two decoders:
 *
 * - `codec`: the SDK's own proto3 JSON codec (src/http/proto-json.ts), i.e. the same
 *   public shapes as the SDK returns: the difference to the SDK is its call path alone.
 * - `bare`: `JSON.parse` only, plain JSON objects: the least work any client can do.
 */
import type { TypeRegistry } from '../../src/index.js';
import { ProtoJsonCodec } from '../../src/http/proto-json.js';

export type RawDecoder = 'codec' | 'bare';

/** A page as either decoder returns it (operations as public shapes or plain JSON). */
export interface RawPage { operations: unknown[]; nextPageToken: string }

export class RawHttpClient {
  readonly #baseUrl: string;
  readonly #codec: ProtoJsonCodec;

  /** `baseUrl`: `server.httpUrl`; `types`: what the operations' Anys hold. */
  constructor(baseUrl: string, types: TypeRegistry) {
    this.#baseUrl = baseUrl;
    this.#codec = new ProtoJsonCodec({ resolveType: (name) => types.messageType(name) });
  }

  /**
   * GET /v1/{name}. `timeoutMs` adds what every real client has: an AbortSignal that
   * fires at the deadline (a timer per call) and the `X-Server-Timeout` header.
   */
  async getOperation(name: string, decoder: RawDecoder, timeoutMs?: number): Promise<unknown> {
    const init: RequestInit = timeoutMs === undefined
      ? {}
      : { signal: AbortSignal.timeout(timeoutMs), headers: { 'x-server-timeout': String(timeoutMs / 1000) } };
    const response = await fetch(`${this.#baseUrl}/v1/${name}`, init);
    const json: unknown = JSON.parse(await response.text());
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json).slice(0, 200)}`);
    return decoder === 'codec' ? this.#codec.operationFromJson(json) : json;
  }

  /** GET /v1/{collection}?pageSize=...&pageToken=... */
  async listPage(collection: string, pageSize: number, pageToken: string, decoder: RawDecoder): Promise<RawPage> {
    const query = new URLSearchParams({ pageSize: String(pageSize) });
    if (pageToken !== '') query.set('pageToken', pageToken);
    const response = await fetch(`${this.#baseUrl}/v1/${collection}?${query.toString()}`);
    const json = JSON.parse(await response.text()) as { operations?: unknown[]; nextPageToken?: string };
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json).slice(0, 200)}`);
    if (decoder === 'codec') return this.#codec.listResponseFromJson(json);
    return { operations: json.operations ?? [], nextPageToken: json.nextPageToken ?? '' };
  }
}
