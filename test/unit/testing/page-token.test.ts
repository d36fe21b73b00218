/**
 * Unit tests of the embedded server's page tokens (src/testing/page-token.ts): a token
 * round-trips to the last name of its page for the request it was issued for, and a
 * token that is malformed, altered or issued for another request is a PageTokenError.
 */
import { expect } from 'chai';
import {
  decodePageToken, encodePageToken, PageTokenError, type ListingKey,
} from '../../../src/testing/page-token.js';

const KEY: ListingKey = { name: 'operations', filter: 'done = false', returnPartialSuccess: false };

/** The PageTokenError decoding raises. */
function refusal(token: string, key: ListingKey = KEY): PageTokenError {
  try {
    decodePageToken(token, key);
  } catch (error) {
    expect(error).to.be.instanceOf(PageTokenError);
    return error as PageTokenError;
  }
  expect.fail(`token ${JSON.stringify(token)} was accepted`);
}

const NOT_ISSUED = /^page token ".*" was not issued by this server; pass the nextPageToken of the previous page, or omit it for the first page$/;
const OTHER_REQUEST = 'page token was issued for a different request: name, filter and returnPartialSuccess must be the same';

/** A token with the given JSON body, encoded as the server encodes its own. */
const forged = (body: unknown): string => Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');

describe('page tokens (embedded server)', () => {
  describe('round trip', () => {
    const names = [
      'operations/op-000001',
      'operations/zone-b/op-9',
      'operations/with "quotes" and \\ backslash',
      'operations/ünïcödé/日本/🚀',
      '',
    ];
    for (const name of names) {
      it(`gives back ${JSON.stringify(name)} for the same request`, () => {
        const token = encodePageToken(name, KEY);
        expect(token).to.match(/^[A-Za-z0-9_-]+$/, 'base64url: safe in a URL, no padding');
        expect(decodePageToken(token, KEY)).to.equal(name);
      });
    }

    it('needs an equal key, not the same object (the server builds one per request)', () => {
      const token = encodePageToken('operations/op-1', KEY);
      expect(decodePageToken(token, { ...KEY })).to.equal('operations/op-1');
    });

    it('is deterministic: the same name and request give the same token', () => {
      expect(encodePageToken('operations/op-1', KEY)).to.equal(encodePageToken('operations/op-1', { ...KEY }));
      expect(encodePageToken('operations/op-1', KEY)).to.not.equal(encodePageToken('operations/op-2', KEY));
    });
  });

  describe('a token issued for another request', () => {
    const others: Array<[string, ListingKey]> = [
      ['another collection', { ...KEY, name: 'operations/zone-b' }],
      ['another filter', { ...KEY, filter: 'done = true' }],
      ['a filter that differs only in spaces', { ...KEY, filter: 'done=false' }],
      ['another returnPartialSuccess', { ...KEY, returnPartialSuccess: true }],
    ];
    for (const [what, other] of others) {
      it(`is refused for ${what}, naming the fields that must stay the same`, () => {
        const token = encodePageToken('operations/op-1', KEY);
        expect(refusal(token, other).message).to.include(OTHER_REQUEST);
      });
    }

    it('the fingerprint does not confuse fields: name "a,b" + filter "" is not name "a" + filter "b"', () => {
      const token = encodePageToken('x', { name: 'a,b', filter: '', returnPartialSuccess: false });
      expect(refusal(token, { name: 'a', filter: 'b', returnPartialSuccess: false }).message).to.include(OTHER_REQUEST);
    });
  });

  describe('a token the server did not issue', () => {
    const valid = encodePageToken('operations/op-1', KEY);
    const body = JSON.parse(Buffer.from(valid, 'base64url').toString('utf8')) as { v: number; after: string; key: string };
    const cases: Array<[string, string]> = [
      ['an empty token', ''],
      ['text that is not base64url', 'not a token!'],
      ['a token with base64 padding', `${valid}==`],
      ['base64url of text that is not JSON', Buffer.from('hello').toString('base64url')],
      ['a truncated token', valid.slice(0, -5)],
      ['a JSON array', forged([1, 'operations/op-1', body.key])],
      ['JSON null', forged(null)],
      ['another version', forged({ ...body, v: 2 })],
      ['no version', forged({ after: body.after, key: body.key })],
      ['a cursor that is not a string', forged({ ...body, after: 7 })],
      ['no request fingerprint', forged({ v: body.v, after: body.after })],
      ['an offset token of another server', forged({ offset: 50 })],
    ];
    for (const [what, token] of cases) {
      it(`refuses ${what}`, () => {
        expect(refusal(token).message).to.match(NOT_ISSUED);
      });
    }

    it('an altered fingerprint reads as a token of another request', () => {
      expect(refusal(forged({ ...body, key: 'A'.repeat(22) })).message).to.include(OTHER_REQUEST);
    });

    it('quotes at most 64 characters of a long token in the message', () => {
      const long = 'A'.repeat(200);
      const { message } = refusal(long);
      expect(message).to.include(`"${'A'.repeat(64)}..."`);
      expect(message).to.not.include('A'.repeat(65));
    });
  });
});
