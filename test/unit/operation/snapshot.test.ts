import { expect } from 'chai';
import { sameAny, sameOperation } from '../../../src/operation/snapshot.js';
import type { Any, Operation, Status } from '../../../src/types.js';

const URL_A = 'type.googleapis.com/example.v1.Progress';
const URL_B = 'type.googleapis.com/example.v1.Other';
const INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

const any = (typeUrl: string, ...values: number[]): Any => ({ typeUrl, value: new Uint8Array(values) });

describe('sameAny', () => {
  const table: [label: string, a: Any | undefined, b: Any | undefined, same: boolean][] = [
    ['both absent', undefined, undefined, true],
    ['one absent', any(URL_A, 1), undefined, false],
    ['the other absent', undefined, any(URL_A, 1), false],
    ['equal bytes in different arrays', any(URL_A, 1, 2, 3), any(URL_A, 1, 2, 3), true],
    ['empty values', any(URL_A), any(URL_A), true],
    ['a Buffer and a Uint8Array with the same bytes', { typeUrl: URL_A, value: Buffer.from([1, 2]) }, any(URL_A, 1, 2), true],
    ['equal bytes at different offsets of one buffer',
      { typeUrl: URL_A, value: new Uint8Array([9, 1, 2]).subarray(1) }, { typeUrl: URL_A, value: new Uint8Array([1, 2, 9]).subarray(0, 2) }, true],
    ['a different type URL, same bytes', any(URL_A, 1), any(URL_B, 1), false],
    ['one byte differs', any(URL_A, 1, 2, 3), any(URL_A, 1, 2, 4), false],
    ['a prefix', any(URL_A, 1, 2), any(URL_A, 1, 2, 3), false],
    ['empty vs non-empty', any(URL_A), any(URL_A, 0), false],
  ];
  for (const [label, a, b, same] of table) {
    it(`${label}: ${same ? 'same' : 'different'}`, () => {
      expect(sameAny(a, b)).to.equal(same);
      expect(sameAny(b, a), 'symmetric').to.equal(same);
    });
  }

  it('the very same object is the same', () => {
    const a = any(URL_A, 5);
    expect(sameAny(a, a)).to.equal(true);
  });
});

describe('sameOperation', () => {
  const status = (overrides: Partial<Status> = {}): Status =>
    ({ code: 9, message: 'locked', details: [any(INFO, 1, 2)], ...overrides });
  const base = (): Operation => ({ name: 'operations/1', done: true, metadata: any(URL_A, 50), error: status() });

  const table: [label: string, b: Operation, same: boolean][] = [
    ['a deep copy', base(), true],
    ['another name', { ...base(), name: 'operations/2' }, false],
    ['not done', { ...base(), done: false }, false],
    ['other metadata bytes', { ...base(), metadata: any(URL_A, 51) }, false],
    ['metadata of another type', { ...base(), metadata: any(URL_B, 50) }, false],
    ['no metadata', { name: 'operations/1', done: true, error: status() }, false],
    ['another error code', { ...base(), error: status({ code: 10 }) }, false],
    ['another error message', { ...base(), error: status({ message: 'Locked' }) }, false],
    ['an error detail with other bytes', { ...base(), error: status({ details: [any(INFO, 1, 3)] }) }, false],
    ['an error detail of another type', { ...base(), error: status({ details: [any(URL_B, 1, 2)] }) }, false],
    ['an extra error detail', { ...base(), error: status({ details: [any(INFO, 1, 2), any(INFO)] }) }, false],
    ['no error details', { ...base(), error: status({ details: [] }) }, false],
    ['no error', { name: 'operations/1', done: true, metadata: any(URL_A, 50) }, false],
    ['a response instead of the error', { name: 'operations/1', done: true, metadata: any(URL_A, 50), response: any(URL_B) }, false],
  ];
  for (const [label, b, same] of table) {
    it(`${label}: ${same ? 'same' : 'different'}`, () => {
      expect(sameOperation(base(), b)).to.equal(same);
      expect(sameOperation(b, base()), 'symmetric').to.equal(same);
    });
  }

  it('responses: equal bytes in different arrays are the same, another type URL is not', () => {
    const done = (response: Any): Operation => ({ name: 'operations/1', done: true, response });
    expect(sameOperation(done(any(URL_A, 1, 2)), done(any(URL_A, 1, 2)))).to.equal(true);
    expect(sameOperation(done(any(URL_A, 1, 2)), done({ typeUrl: URL_A, value: Buffer.from([1, 2]) }))).to.equal(true);
    expect(sameOperation(done(any(URL_A, 1, 2)), done(any(URL_B, 1, 2)))).to.equal(false);
    expect(sameOperation(done(any(URL_A, 1, 2)), done(any(URL_A, 2, 1)))).to.equal(false);
  });

  it('bare running operations with the same name are the same', () => {
    expect(sameOperation({ name: 'operations/1', done: false }, { name: 'operations/1', done: false })).to.equal(true);
  });
});
