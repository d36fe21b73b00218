import { expect } from 'chai';
import { sameAny } from '../../../src/any/equality.js';
import type { Any } from '../../../src/types.js';

const URL = 'type.googleapis.com/example.v1.ExportMetadata';
/** An Any of a type the client does not know, as the HTTP/JSON transport delivers it: no bytes, the JSON form. */
const jsonOnly = (json: Record<string, unknown>): Any => ({ typeUrl: URL, value: new Uint8Array(0), json });

describe('sameAny', () => {
  it('compares type URL and bytes; both absent is the same', () => {
    expect(sameAny(undefined, undefined)).to.equal(true);
    expect(sameAny({ typeUrl: URL, value: new Uint8Array([1]) }, undefined)).to.equal(false);
    expect(sameAny({ typeUrl: URL, value: new Uint8Array([1, 2]) }, { typeUrl: URL, value: new Uint8Array([1, 2]) })).to.equal(true);
    expect(sameAny({ typeUrl: URL, value: new Uint8Array([1, 2]) }, { typeUrl: URL, value: new Uint8Array([1, 3]) })).to.equal(false);
    expect(sameAny({ typeUrl: URL, value: new Uint8Array([1]) }, { typeUrl: `${URL}2`, value: new Uint8Array([1]) })).to.equal(false);
  });

  it('tells apart Anys that differ only in their JSON form (an unknown type over HTTP/JSON has no bytes)', () => {
    expect(sameAny(jsonOnly({ processedBytes: '10' }), jsonOnly({ processedBytes: '50' }))).to.equal(false);
    expect(sameAny(jsonOnly({ processedBytes: '10' }), { typeUrl: URL, value: new Uint8Array(0) })).to.equal(false);
    expect(sameAny(jsonOnly({ warnings: ['a'] }), jsonOnly({ warnings: ['a', 'b'] }))).to.equal(false);
    expect(sameAny(jsonOnly({ current: { uri: 'a' } }), jsonOnly({ current: { uri: 'b' } }))).to.equal(false);
    expect(sameAny(jsonOnly({ a: null }), jsonOnly({ b: null }))).to.equal(false);
  });

  it('treats the same JSON form as the same, whatever the key order', () => {
    expect(sameAny(
      jsonOnly({ processedBytes: '10', current: { uri: 'a', sizeBytes: '1' }, warnings: ['x'], paused: true, ratio: 0.5, n: null }),
      jsonOnly({ warnings: ['x'], current: { sizeBytes: '1', uri: 'a' }, n: null, ratio: 0.5, paused: true, processedBytes: '10' }),
    )).to.equal(true);
  });
});
