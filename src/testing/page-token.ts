/**
 * ListOperations page tokens of the embedded server. A token is a cursor, not an
 * offset: it holds the last name returned, so every operation that exists for the
 * whole listing is returned exactly once even when others are created or deleted
 * between pages. It also holds a fingerprint of the request it belongs to, so a token
 * replayed with another collection, filter or `returnPartialSuccess` is refused
 * (AIP-158: every field but the page size must stay the same).
 *
 * Tokens are base64url JSON: opaque to clients, readable when debugging a test.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';

/** The request fields a page token is tied to. @internal */
export interface ListingKey {
  name: string;
  filter: string;
  returnPartialSuccess: boolean;
}

/** A token the server did not issue, or issued for another request. @internal */
export class PageTokenError extends Error {
  override name = 'PageTokenError';
}

const TOKEN_VERSION = 1;

interface TokenBody { v: number; after: string; key: string }

/** A short, stable hash of the request fields a token is tied to. */
function fingerprint(key: ListingKey): string {
  return createHash('sha256')
    .update(JSON.stringify([key.name, key.filter, key.returnPartialSuccess]))
    .digest('base64url')
    .slice(0, 22);
}

/** The token of the page that follows `lastName`. @internal */
export function encodePageToken(lastName: string, key: ListingKey): string {
  const body: TokenBody = { v: TOKEN_VERSION, after: lastName, key: fingerprint(key) };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The last name returned before `token`.
 *
 * @throws PageTokenError when the token is malformed or belongs to another request.
 * @internal
 */
export function decodePageToken(token: string, key: ListingKey): string {
  let body: unknown;
  if (/^[A-Za-z0-9_-]+$/u.test(token)) {
    try {
      body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      body = undefined; // not JSON: reported below like any foreign token
    }
  }
  const { v, after, key: tokenKey } = (body ?? {}) as Partial<TokenBody>;
  if (v !== TOKEN_VERSION || typeof after !== 'string' || typeof tokenKey !== 'string') {
    throw new PageTokenError(`page token ${JSON.stringify(token.length > 64 ? `${token.slice(0, 64)}...` : token)} ` +
      'was not issued by this server; pass the nextPageToken of the previous page, or omit it for the first page');
  }
  if (tokenKey !== fingerprint(key)) {
    throw new PageTokenError('page token was issued for a different request: name, filter and ' +
      'returnPartialSuccess must be the same as in the request that returned it (only pageSize may change)');
  }
  return after;
}
