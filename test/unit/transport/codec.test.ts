import { expect } from 'chai';
import { loadProtoFiles } from '../../../src/any/proto-files.js';
import { asUint8Array, decodeStatus, encodeRetryInfo, retryDelayFromDetails } from '../../../src/any/rpc-status.js';
import { CODECS, encodeStatus } from '../../../src/transport/codec.js';
import type { Operation } from '../../../src/types.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('wire codec', () => {
  it('round-trips an Operation with metadata and response, as plain Uint8Array values', () => {
    const op: Operation = {
      name: 'operations/1',
      done: true,
      metadata: { typeUrl: 'type.googleapis.com/pkg.Meta', value: bytes(1, 2) },
      response: { typeUrl: 'type.googleapis.com/pkg.Res', value: bytes(3) },
    };
    const decoded = CODECS.GetOperation.deserializeResponse(CODECS.GetOperation.serializeResponse(op));
    expect(decoded).to.deep.equal(op);
    expect(Object.getPrototypeOf(decoded.response!.value)).to.equal(Uint8Array.prototype);
  });

  it('round-trips an error with details and keeps at most one of error and response', () => {
    const op: Operation = {
      name: 'operations/2',
      done: true,
      error: { code: 9, message: 'bad state', details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: bytes(10) }] },
    };
    expect(CODECS.WaitOperation.deserializeResponse(CODECS.WaitOperation.serializeResponse(op))).to.deep.equal(op);
    const both = { ...op, response: { typeUrl: 'x/y', value: bytes() } };
    expect(CODECS.GetOperation.deserializeResponse(CODECS.GetOperation.serializeResponse(both))).to.not.have.property('response');
  });

  it('writes Any as type_url on the wire, readable by any protobuf decoder', () => {
    const wire = CODECS.GetOperation.serializeResponse({ name: 'a', done: false, metadata: { typeUrl: 't/x.Y', value: bytes(7) } });
    const root = loadProtoFiles(['google/longrunning/operations.proto']);
    const decoded = root.lookupType('google.longrunning.Operation').toObject(
      root.lookupType('google.longrunning.Operation').decode(wire)) as { metadata: { type_url: string } };
    expect(decoded.metadata.type_url).to.equal('t/x.Y');
  });

  it('round-trips ListOperations requests and responses, defaulting absent fields', () => {
    const request = { name: 'operations', filter: 'done = true', pageSize: 7, pageToken: 'abc', returnPartialSuccess: true };
    expect(CODECS.ListOperations.deserializeRequest(CODECS.ListOperations.serializeRequest(request))).to.deep.equal(request);
    expect(CODECS.ListOperations.deserializeRequest(CODECS.ListOperations.serializeRequest({ name: '' }))).to.deep.equal({ name: '' });
    const response = { operations: [{ name: 'a', done: false }], nextPageToken: 'n', unreachable: ['zone-a'] };
    expect(CODECS.ListOperations.deserializeResponse(CODECS.ListOperations.serializeResponse(response))).to.deep.equal(response);
    expect(CODECS.ListOperations.deserializeResponse(Buffer.alloc(0))).to.deep.equal({ operations: [], nextPageToken: '', unreachable: [] });
  });

  it('carries the WaitOperation timeout as a Duration with millisecond precision', () => {
    const decode = (timeoutMs?: number) => CODECS.WaitOperation.deserializeRequest(
      CODECS.WaitOperation.serializeRequest(timeoutMs === undefined ? { name: 'a' } : { name: 'a', timeoutMs }));
    expect(decode(2_500)).to.deep.equal({ name: 'a', timeoutMs: 2_500 });
    expect(decode(0)).to.deep.equal({ name: 'a', timeoutMs: 0 });
    expect(decode()).to.deep.equal({ name: 'a' });
  });

  it('encodes a google.rpc.Status and reads a RetryInfo delay from details', () => {
    const status = { code: 14, message: 'later', details: [encodeRetryInfo(1_250)] };
    expect(decodeStatus(encodeStatus(status))).to.deep.equal(status);
    expect(retryDelayFromDetails(status.details)).to.equal(1_250);
    expect(retryDelayFromDetails([])).to.equal(undefined);
    expect(retryDelayFromDetails([{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: bytes(0xff, 0xff) }]),
      'a malformed RetryInfo is ignored').to.equal(undefined);
  });

  it('views a Buffer as a plain Uint8Array without copying', () => {
    const buffer = Buffer.from([1, 2, 3]);
    const view = asUint8Array(buffer);
    expect(Object.getPrototypeOf(view)).to.equal(Uint8Array.prototype);
    expect(view.buffer).to.equal(buffer.buffer);
    expect(asUint8Array(null)).to.deep.equal(new Uint8Array(0));
  });
});
