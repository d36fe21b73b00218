import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { normalizeOperation } from '../../../src/operation/normalize.js';
import type { Any, Operation } from '../../../src/types.js';
import { thrown } from '../../helpers/thrown.js';

const RESPONSE_URL = 'type.googleapis.com/example.v1.ExportResponse';
const METADATA_URL = 'type.googleapis.com/example.v1.ExportMetadata';
const DETAIL_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

const bytes = (...values: number[]) => new Uint8Array(values);

/** Every Any in the output holds a plain Uint8Array (never a Buffer), recursively. */
function expectPlainBytes(operation: Operation): void {
  const anys: Any[] = [
    ...(operation.metadata ? [operation.metadata] : []),
    ...(operation.response ? [operation.response] : []),
    ...(operation.error?.details ?? []),
  ];
  for (const any of anys) expect(Object.getPrototypeOf(any.value), any.typeUrl).to.equal(Uint8Array.prototype);
}

describe('normalizeOperation', () => {
  describe('accepted shapes', () => {
    it("google-gax's shape: type_url, Buffer values, a result marker, null for the absent field", () => {
      const gaxLike = {
        name: 'operations/export-1',
        done: true,
        result: 'response',
        response: { type_url: RESPONSE_URL, value: Buffer.from([1, 2, 3]) },
        metadata: { type_url: METADATA_URL, value: Buffer.from([9]) },
        error: null,
      };
      const operation = normalizeOperation(gaxLike, 'operation');
      expect(operation).to.deep.equal({
        name: 'operations/export-1',
        done: true,
        metadata: { typeUrl: METADATA_URL, value: bytes(9) },
        response: { typeUrl: RESPONSE_URL, value: bytes(1, 2, 3) },
      });
      expect(Object.keys(operation)).to.have.members(['name', 'done', 'metadata', 'response']);
      expectPlainBytes(operation);
    });

    it('a Buffer from the shared pool (non-zero byteOffset) keeps exactly its own bytes', () => {
      const pooled = Buffer.from([7, 8]);
      const operation = normalizeOperation({ name: 'operations/1', metadata: { type_url: METADATA_URL, value: pooled } }, 'operation');
      expect(operation.metadata).to.deep.equal({ typeUrl: METADATA_URL, value: bytes(7, 8) });
      expect(operation.metadata!.value.byteLength).to.equal(2);
      expectPlainBytes(operation);
    });

    it("@grpc/proto-loader's shape (defaults: true, oneofs: true): a failed operation", () => {
      const protoLoaderLike = {
        name: 'operations/export-2',
        metadata: { type_url: METADATA_URL, value: Buffer.from([1]) },
        done: true,
        error: {
          code: 9,
          message: 'bucket is locked',
          details: [{ type_url: DETAIL_URL, value: Buffer.from([4, 2]) }],
        },
        response: null,
        result: 'error',
      };
      const operation = normalizeOperation(protoLoaderLike, 'operation');
      expect(operation).to.deep.equal({
        name: 'operations/export-2',
        done: true,
        metadata: { typeUrl: METADATA_URL, value: bytes(1) },
        error: { code: 9, message: 'bucket is locked', details: [{ typeUrl: DETAIL_URL, value: bytes(4, 2) }] },
      });
      expect(operation).to.not.have.property('response');
      expectPlainBytes(operation);
    });

    it('the SDK\'s own shape passes through unchanged (typeUrl, Uint8Array)', () => {
      const own: Operation = {
        name: 'operations/export-3',
        done: false,
        metadata: { typeUrl: METADATA_URL, value: bytes(5, 6) },
      };
      const operation = normalizeOperation(own, 'operation');
      expect(operation).to.deep.equal(own);
      expect(operation).to.not.equal(own); // a fresh object
      expectPlainBytes(operation);
    });

    it('a protobufjs message instance (fields on the prototype, a result getter)', () => {
      class OperationMessage {
        name = 'operations/pb';
        done = true;
        response: unknown = { type_url: RESPONSE_URL, value: bytes(1) };
        get result(): string | undefined {
          return this.response ? 'response' : undefined;
        }
      }
      Object.assign(OperationMessage.prototype, { error: null, metadata: null });
      expect(normalizeOperation(new OperationMessage(), 'operation')).to.deep.equal({
        name: 'operations/pb',
        done: true,
        response: { typeUrl: RESPONSE_URL, value: bytes(1) },
      });
    });

    it('missing done means not done; null done too', () => {
      expect(normalizeOperation({ name: 'operations/1' }, 'operation')).to.deep.equal({ name: 'operations/1', done: false });
      expect(normalizeOperation({ name: 'operations/1', done: null }, 'operation')).to.deep.equal({ name: 'operations/1', done: false });
      expect(normalizeOperation({ name: 'operations/1', done: false }, 'operation')).to.deep.equal({ name: 'operations/1', done: false });
    });

    it('null and undefined for every absent field', () => {
      for (const absent of [null, undefined]) {
        const operation = normalizeOperation(
          { name: 'operations/1', done: true, metadata: absent, error: absent, response: absent, result: absent }, 'operation');
        expect(operation).to.deep.equal({ name: 'operations/1', done: true });
        expect(Object.keys(operation)).to.deep.equal(['name', 'done']);
      }
    });

    it('absent parts of an Any or a Status take their proto3 defaults', () => {
      const operation = normalizeOperation({
        name: 'operations/1',
        done: true,
        metadata: { typeUrl: METADATA_URL },
        error: { code: null, message: null, details: null },
      }, 'operation');
      expect(operation).to.deep.equal({
        name: 'operations/1',
        done: true,
        metadata: { typeUrl: METADATA_URL, value: bytes() },
        error: { code: 0, message: '', details: [] },
      });
      const emptyStatus = normalizeOperation({ name: 'operations/1', done: true, error: {} }, 'operation');
      expect(emptyStatus.error).to.deep.equal({ code: 0, message: '', details: [] });
      const nullValue = normalizeOperation({ name: 'operations/1', response: { type_url: RESPONSE_URL, value: null } }, 'operation');
      expect(nullValue.response).to.deep.equal({ typeUrl: RESPONSE_URL, value: bytes() });
      expectPlainBytes(operation);
    });

    it('typeUrl wins over type_url when both are given; a null typeUrl falls back to type_url', () => {
      const both = normalizeOperation({ name: 'o', metadata: { typeUrl: 'a/x.A', type_url: 'b/x.B', value: bytes() } }, 'operation');
      expect(both.metadata!.typeUrl).to.equal('a/x.A');
      const fallback = normalizeOperation({ name: 'o', metadata: { typeUrl: null, type_url: 'b/x.B' } }, 'operation');
      expect(fallback.metadata!.typeUrl).to.equal('b/x.B');
    });

    it('ignores fields it does not know', () => {
      const operation = normalizeOperation({ name: 'o', done: false, extra: 1, _response: 'x' }, 'operation');
      expect(operation).to.deep.equal({ name: 'o', done: false });
    });
  });

  describe('error and response both present', () => {
    const error = { code: 13, message: 'internal', details: [] };
    const response = { type_url: RESPONSE_URL, value: Buffer.from([1]) };
    const asError = { error: { code: 13, message: 'internal', details: [] } };
    const asResponse = { response: { typeUrl: RESPONSE_URL, value: bytes(1) } };

    const cases: [label: string, result: unknown, expected: object][] = [
      ["result: 'response' picks the response", 'response', asResponse],
      ["result: 'error' picks the error", 'error', asError],
      ['no result marker: the error wins', undefined, asError],
      ['a null result marker: the error wins', null, asError],
    ];
    for (const [label, result, expected] of cases) {
      it(label, () => {
        const operation = normalizeOperation({ name: 'operations/both', done: true, error, response, result }, 'operation');
        expect(operation).to.deep.equal({ name: 'operations/both', done: true, ...expected });
      });
    }

    it('the one that is dropped is not validated', () => {
      const operation = normalizeOperation(
        { name: 'o', done: true, result: 'response', response, error: { code: 'bad' } }, 'operation');
      expect(operation).to.deep.equal({ name: 'o', done: true, ...asResponse });
    });

    it('a marker naming the absent field does not hide the present one', () => {
      expect(normalizeOperation({ name: 'o', done: true, result: 'response', error }, 'operation'))
        .to.deep.equal({ name: 'o', done: true, ...asError });
      expect(normalizeOperation({ name: 'o', done: true, result: 'error', response }, 'operation'))
        .to.deep.equal({ name: 'o', done: true, ...asResponse });
    });
  });

  describe('malformed input', () => {
    const name = 'operations/1';
    const table: [label: string, input: unknown, argument: string][] = [
      ['null', null, 'op'],
      ['undefined', undefined, 'op'],
      ['a string (names are handled by the caller)', 'operations/1', 'op'],
      ['an array', [{ name }], 'op'],
      ['a number', 1, 'op'],
      ['a missing name', { done: true }, 'op.name'],
      ['an empty name', { name: '' }, 'op.name'],
      ['a numeric name', { name: 42 }, 'op.name'],
      ["done: 'true'", { name, done: 'true' }, 'op.done'],
      ['done: 1', { name, done: 1 }, 'op.done'],
      ['metadata that is a string', { name, metadata: 'progress' }, 'op.metadata'],
      ['metadata that is an array', { name, metadata: [] }, 'op.metadata'],
      ['metadata without a type URL', { name, metadata: { value: bytes(1) } }, 'op.metadata.typeUrl'],
      ['metadata with a numeric type_url', { name, metadata: { type_url: 5, value: bytes() } }, 'op.metadata.typeUrl'],
      ['metadata with an array of numbers as value', { name, metadata: { typeUrl: METADATA_URL, value: [1, 2] } }, 'op.metadata.value'],
      ['metadata with an ArrayBuffer value', { name, metadata: { typeUrl: METADATA_URL, value: new ArrayBuffer(2) } }, 'op.metadata.value'],
      ['a response with a base64 string value', { name, done: true, response: { type_url: RESPONSE_URL, value: 'AQI=' } }, 'op.response.value'],
      ['a response that is a number', { name, done: true, response: 7 }, 'op.response'],
      ['a response with a null type URL in both spellings', { name, response: { typeUrl: null, type_url: null } }, 'op.response.typeUrl'],
      ['an error that is a string', { name, done: true, error: 'boom' }, 'op.error'],
      ['an error with a negative code', { name, done: true, error: { code: -1 } }, 'op.error.code'],
      ['an error with a fractional code', { name, done: true, error: { code: 1.5 } }, 'op.error.code'],
      ['an error with a string code', { name, done: true, error: { code: '5' } }, 'op.error.code'],
      ['an error with a numeric message', { name, done: true, error: { code: 5, message: 404 } }, 'op.error.message'],
      ['an error whose details are an object', { name, done: true, error: { code: 5, details: {} } }, 'op.error.details'],
      ['an error with a null detail', { name, done: true, error: { code: 5, details: [{ typeUrl: DETAIL_URL }, null] } }, 'op.error.details[1]'],
      ['an error detail with a bad value', { name, done: true, error: { code: 5, details: [{ type_url: DETAIL_URL, value: 'x' }] } }, 'op.error.details[0].value'],
      ['an error detail without a type URL', { name, done: true, error: { details: [{ value: bytes() }] } }, 'op.error.details[0].typeUrl'],
      ["a bad response chosen by result: 'response'", { name, done: true, result: 'response', error: {}, response: { value: bytes() } }, 'op.response.typeUrl'],
    ];

    for (const [label, input, argument] of table) {
      it(`${label} -> InvalidArgumentError at \`${argument}\``, () => {
        const error = thrown(() => normalizeOperation(input, 'op'));
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
        expect((error as InvalidArgumentError).message).to.include(`\`${argument}\``);
      });
    }
  });
});
