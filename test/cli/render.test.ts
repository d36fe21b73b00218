/**
 * Unit tests of how the CLI shows operations: lenient Any decoding (known types decoded,
 * unknown ones kept as type URL + base64, or as their JSON form over HTTP/JSON), expected types enforced, JSON-safe values,
 * human lines.
 */
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TypeMismatchError, TypeRegistry, type Operation } from '../../src/index.js';
import { AnyDecoder, operationState, outcomeText, progressText, toJsonValue } from '../../src/cli/render.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROTOS = path.join(root, 'test', 'fixtures', 'protos');

describe('cli/render', () => {
  let types: TypeRegistry;
  const wkt = TypeRegistry.empty();

  before(async () => {
    types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [PROTOS] });
  });

  const struct = (value: Record<string, unknown>) => wkt.pack('google.protobuf.Struct', value);

  it('decodes known types and keeps unknown ones as type URL and base64 bytes', () => {
    const response = types.pack('example.v1.ExportResponse', { destination: 'gs://b/x', totalBytes: '7' });
    const lenient = new AnyDecoder();
    expect(lenient.json(response)).to.deep.equal({
      typeUrl: 'type.googleapis.com/example.v1.ExportResponse',
      bytes: Buffer.from(response.value).toString('base64'),
    });
    expect(lenient.anyLine(response)).to.match(
      /^example\.v1\.ExportResponse \(unknown type, \d+ bytes; load its \.proto with --proto\) base64:\S+$/);
    const json = new AnyDecoder(types).json(response) as { typeUrl: string; value: Record<string, unknown> };
    expect(json.typeUrl).to.equal('type.googleapis.com/example.v1.ExportResponse');
    expect(json.value).to.include({ destination: 'gs://b/x', totalBytes: '7' });
  });

  it('shows an unknown type that came over HTTP/JSON as the server\'s JSON, with the progress it reports', () => {
    const json = { progressPercent: 40, state: 'COPYING', cursor: 'AQI=' };
    const metadata = { typeUrl: 'type.googleapis.com/example.v1.ExportMetadata', value: new Uint8Array(), json };
    const lenient = new AnyDecoder();
    expect(lenient.json(metadata)).to.deep.equal({ typeUrl: metadata.typeUrl, json });
    expect(lenient.anyLine(metadata)).to.equal('example.v1.ExportMetadata (unknown type, as the server\'s JSON; load its .proto ' +
      'with --proto) {"progressPercent":40,"state":"COPYING","cursor":"AQI="}');
    expect(progressText(lenient.decode(metadata, 'metadata'))).to.equal('40% COPYING');
    // Without progress fields, the type name as for bytes.
    expect(progressText(lenient.decode({ ...metadata, json: { cursor: 'AQI=' } }, 'metadata'))).to.equal('example.v1.ExportMetadata');
    // A registry that knows the type decodes it, whatever the JSON form says.
    const known = types.pack('example.v1.ExportMetadata', { state: 'FINISHING' });
    expect(new AnyDecoder(types).json({ ...known, json })).to.have.property('value');
  });

  it('keeps an Any whose type URL names no type as bytes, unless a type is expected', () => {
    const broken = { typeUrl: 'type.googleapis.com/', value: new Uint8Array([1, 2]) };
    expect(new AnyDecoder().json(broken)).to.deep.equal({ typeUrl: 'type.googleapis.com/', bytes: 'AQI=' });
    expect(() => new AnyDecoder(wkt, { metadataType: 'google.protobuf.Struct' }).decode(broken, 'metadata'))
      .to.throw(TypeMismatchError);
  });

  it('enforces the expected response and metadata types', () => {
    const decoder = new AnyDecoder(types, { responseType: 'example.v1.ExportResponse', metadataType: 'example.v1.ExportMetadata' });
    const metadata = types.pack('example.v1.ExportMetadata', { state: 'RUNNING' });
    expect(() => decoder.decode(metadata, 'response')).to.throw(TypeMismatchError, /ExportResponse/);
    expect(decoder.decode(metadata, 'metadata').value).to.include({ state: 'RUNNING' });
    // Details have no expectation.
    expect(decoder.decode(metadata).decoded).to.equal(true);
  });

  it('renders an Operation as JSON: state, decoded Anys, the status with code name and details', () => {
    const decoder = new AnyDecoder();
    const failed: Operation = {
      name: 'operations/f',
      done: true,
      metadata: struct({ progressPercent: 30 }),
      error: { code: 8, message: 'quota', details: [wkt.pack('google.rpc.ErrorInfo', { reason: 'Q', domain: 'd' })] },
    };
    expect(decoder.operationJson(failed)).to.deep.equal({
      name: 'operations/f',
      done: true,
      state: 'FAILED',
      metadata: { typeUrl: 'type.googleapis.com/google.protobuf.Struct', value: { progressPercent: 30 } },
      error: {
        code: 8,
        codeName: 'RESOURCE_EXHAUSTED',
        message: 'quota',
        details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: { reason: 'Q', domain: 'd', metadata: {} } }],
      },
    });
    expect(decoder.operationText(failed)).to.equal([
      'name:      operations/f',
      'state:     FAILED',
      'metadata:  google.protobuf.Struct {"progressPercent":30}',
      'error:     RESOURCE_EXHAUSTED (8): quota',
      'detail:    google.rpc.ErrorInfo {"reason":"Q","domain":"d","metadata":{}}',
      '',
    ].join('\n'));
  });

  it('says when a done operation has no result', () => {
    const done: Operation = { name: 'operations/d', done: true };
    expect(new AnyDecoder().operationText(done)).to.include('response:  (none)');
    expect(new AnyDecoder().operationJson(done)).to.deep.equal({ name: 'operations/d', done: true, state: 'SUCCEEDED' });
  });

  it('summarises states and outcomes', () => {
    expect(operationState({ name: 'a', done: false })).to.equal('RUNNING');
    expect(operationState({ name: 'a', done: true })).to.equal('SUCCEEDED');
    expect(operationState({ name: 'a', done: true, error: { code: 1, message: '', details: [] } })).to.equal('CANCELLED');
    expect(operationState({ name: 'a', done: true, error: { code: 13, message: '', details: [] } })).to.equal('FAILED');
    expect(outcomeText({ name: 'a', done: true, error: { code: 13, message: 'boom', details: [] } })).to.equal('FAILED: boom');
    expect(outcomeText({ name: 'a', done: true, error: { code: 1, message: 'x', details: [] } })).to.equal('CANCELLED');
    expect(outcomeText(undefined)).to.equal('DONE');
  });

  it('lists an operation in one line with its progress or error', () => {
    const decoder = new AnyDecoder();
    expect(decoder.listLine({ name: 'ops/a', done: false, metadata: struct({ progressPercent: 42, state: 'RUNNING' }) }, 8))
      .to.equal('ops/a     RUNNING    42% RUNNING');
    expect(decoder.listLine({ name: 'ops/b', done: true, error: { code: 5, message: 'gone', details: [] } }, 8))
      .to.equal('ops/b     FAILED     NOT_FOUND: gone');
    expect(decoder.listLine({ name: 'ops/c', done: true }, 5)).to.equal('ops/c  SUCCEEDED');
    expect(progressText(decoder.decode(types.pack('example.v1.ExportMetadata', {})))).to.equal('example.v1.ExportMetadata');
  });

  it('makes decoded values JSON-safe', () => {
    expect(toJsonValue({
      bytes: new Uint8Array([1, 2, 3]),
      buffer: Buffer.from('hi'),
      big: 12n,
      when: new Date(0),
      list: [new Uint8Array([255]), 1, 'x', null],
      nested: { skip: undefined, keep: false },
      nan: Number.NaN,
    })).to.deep.equal({
      bytes: 'AQID',
      buffer: 'aGk=',
      big: '12',
      when: '1970-01-01T00:00:00.000Z',
      list: ['/w==', 1, 'x', null],
      nested: { keep: false },
      nan: 'NaN',
    });
  });
});
