import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { encodeRetryInfo } from '../../../src/any/rpc-status.js';
import { Code } from '../../../src/code.js';
import {
  CORS_HEADERS, deadlineOf, HttpRequestError, metadataOf, parseJsonBody, preflightHeaders, readBody, retryAfterOf,
  splitTarget, withoutSystemParameters,
} from '../../../src/testing/http-request.js';

function refused(fn: () => unknown): HttpRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(HttpRequestError);
    return error as HttpRequestError;
  }
  throw new Error('expected an HttpRequestError');
}

async function refusedAsync(promise: Promise<unknown>): Promise<HttpRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HttpRequestError);
    return error as HttpRequestError;
  }
  throw new Error('expected an HttpRequestError');
}

/** A request body stream with headers, as node:http hands it over. */
function bodyStream(headers: IncomingHttpHeaders = {}): PassThrough & { headers: IncomingHttpHeaders } {
  return Object.assign(new PassThrough(), { headers });
}

describe('testing/http-request', () => {
  describe('splitTarget', () => {
    it('keeps the path percent-encoded and decodes the query, + as a space', () => {
      const { path, query } = splitTarget('/v1/users%2Fa/operations?filter=done+%3D+true&pageSize=2');
      expect(path).to.equal('/v1/users%2Fa/operations');
      expect([...query]).to.deep.equal([['filter', 'done = true'], ['pageSize', '2']]);
    });

    it('accepts a path without a query, and the absolute form a proxy sends', () => {
      expect(splitTarget('/v1/operations').path).to.equal('/v1/operations');
      expect([...splitTarget('/v1/operations').query]).to.deep.equal([]);
      const absolute = splitTarget('http://127.0.0.1:8080/v1/operations/x?pageToken=t');
      expect(absolute.path).to.equal('/v1/operations/x');
      expect(absolute.query.get('pageToken')).to.equal('t');
      expect(splitTarget('http://127.0.0.1:8080').path).to.equal('/');
    });

    it('drops a fragment', () => {
      expect(splitTarget('/v1/operations#frag').path).to.equal('/v1/operations');
    });

    it('refuses a target that is not a path with a 400', () => {
      for (const target of ['*', 'example.com:443', '', undefined]) {
        const error = refused(() => splitTarget(target));
        expect(error.httpStatus).to.equal(400);
        expect(error.code).to.equal(Code.INVALID_ARGUMENT);
      }
    });
  });

  describe('withoutSystemParameters', () => {
    it('drops $-parameters and Google system parameters, keeps request fields in order', () => {
      const kept = withoutSystemParameters(new URLSearchParams('$alt=json;enum-encoding=int&filter=a&key=k&pageSize=3&fields=x&prettyPrint=false'));
      expect([...kept]).to.deep.equal([['filter', 'a'], ['pageSize', '3']]);
    });
  });

  describe('deadlineOf', () => {
    it('is Infinity without X-Server-Timeout', () => {
      expect(deadlineOf({}, 1000)).to.equal(Infinity);
    });

    it('adds the header\'s seconds (fractions included) to now', () => {
      expect(deadlineOf({ 'x-server-timeout': '30' }, 1000)).to.equal(31_000);
      expect(deadlineOf({ 'x-server-timeout': '0.25' }, 1000)).to.equal(1250);
      expect(deadlineOf({ 'x-server-timeout': '0' }, 1000)).to.equal(1000);
    });

    it('refuses a value that is not a non-negative number of seconds, naming it', () => {
      for (const value of ['', 'soon', '-1', 'Infinity', 'NaN', '1s']) {
        const error = refused(() => deadlineOf({ 'x-server-timeout': value }, 0));
        expect(error.httpStatus).to.equal(400);
        expect(error.message).to.contain('X-Server-Timeout').and.contain(JSON.stringify(value));
      }
    });
  });

  describe('metadataOf', () => {
    it('lower-cases names and joins repeated values', () => {
      expect(metadataOf({ 'X-Goog-Api-Client': 'gl-node/20', 'set-cookie': ['a', 'b'], absent: undefined }))
        .to.deep.equal({ 'x-goog-api-client': 'gl-node/20', 'set-cookie': 'a, b' });
    });
  });

  describe('readBody', () => {
    it('concatenates the chunks', async () => {
      const stream = bodyStream();
      const body = readBody(stream);
      stream.write(Buffer.from('{"a"'));
      stream.end(Buffer.from(':1}'));
      expect(new TextDecoder().decode(await body)).to.equal('{"a":1}');
    });

    it('refuses a declared Content-Length over the limit at once with a 413', async () => {
      const error = await refusedAsync(readBody(bodyStream({ 'content-length': '11' }), 10));
      expect(error.httpStatus).to.equal(413);
      expect(error.message).to.contain('10 bytes');
    });

    it('refuses a chunked body as soon as it passes the limit', async () => {
      const stream = bodyStream();
      const body = readBody(stream, 10);
      stream.write(Buffer.alloc(6));
      stream.write(Buffer.alloc(6));
      expect((await refusedAsync(body)).httpStatus).to.equal(413);
      stream.destroy();
    });

    it('accepts a body of exactly the limit', async () => {
      const stream = bodyStream({ 'content-length': '10' });
      const body = readBody(stream, 10);
      stream.end(Buffer.alloc(10));
      expect((await body).byteLength).to.equal(10);
    });

    it('refuses a body whose stream fails or closes early with a 400', async () => {
      const failing = bodyStream();
      const failed = readBody(failing);
      failing.destroy(new Error('reset'));
      expect((await refusedAsync(failed)).httpStatus).to.equal(400);

      const closing = bodyStream();
      const closed = readBody(closing);
      closing.destroy();
      expect((await refusedAsync(closed)).message).to.contain('closed before the body ended');
    });
  });

  describe('parseJsonBody', () => {
    it('is undefined for an empty or blank body (google-api-core\'s :cancel)', () => {
      expect(parseJsonBody(new Uint8Array())).to.equal(undefined);
      expect(parseJsonBody(new TextEncoder().encode(' \n'))).to.equal(undefined);
    });

    it('parses JSON', () => {
      expect(parseJsonBody(new TextEncoder().encode('{"timeout":"1s"}'))).to.deep.equal({ timeout: '1s' });
    });

    it('refuses JSON that does not parse, or bytes that are not UTF-8, with a 400', () => {
      const bad = refused(() => parseJsonBody(new TextEncoder().encode('{"timeout":')));
      expect(bad.httpStatus).to.equal(400);
      expect(bad.message).to.contain('not valid JSON');
      expect(refused(() => parseJsonBody(Uint8Array.from([0x7b, 0xff, 0x7d]))).message).to.contain('UTF-8');
    });
  });

  describe('CORS', () => {
    it('every answer allows any origin and exposes Retry-After', () => {
      expect(CORS_HEADERS).to.deep.equal({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' });
    });

    it('a preflight allows every verb, the requested headers and is cached 10 minutes', () => {
      const headers = preflightHeaders('content-type, x-goog-api-client,authorization');
      expect(headers['Access-Control-Allow-Methods']).to.equal('GET, POST, PUT, PATCH, DELETE');
      expect(headers['Access-Control-Allow-Headers']).to.equal('content-type, x-goog-api-client, authorization');
      expect(headers['Access-Control-Max-Age']).to.equal('600');
      expect(headers['Access-Control-Allow-Origin']).to.equal('*');
    });

    it('a preflight asking for no header, or for a malformed one, gets the default list', () => {
      for (const requested of [undefined, '', 'bad header\r\nx: y']) {
        expect(preflightHeaders(requested)['Access-Control-Allow-Headers']).to.contain('X-Server-Timeout').and.contain('Authorization');
      }
    });
  });

  describe('retryAfterOf', () => {
    const unavailable = { code: Code.UNAVAILABLE, message: 'later', details: [encodeRetryInfo(1500)] };

    it('is the RetryInfo delay in whole seconds, rounded up, on a 503 or 429', () => {
      expect(retryAfterOf(503, unavailable)).to.equal('2');
      expect(retryAfterOf(429, { ...unavailable, details: [encodeRetryInfo(250)] })).to.equal('1');
      expect(retryAfterOf(503, { ...unavailable, details: [encodeRetryInfo(0)] })).to.equal('0');
    });

    it('is undefined without RetryInfo or on another status', () => {
      expect(retryAfterOf(503, { ...unavailable, details: [] })).to.equal(undefined);
      expect(retryAfterOf(500, unavailable)).to.equal(undefined);
    });
  });
});
