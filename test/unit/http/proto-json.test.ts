import { expect } from 'chai';
import protobuf from 'protobufjs';
import { Code } from '../../../src/code.js';
import { base64Decode, base64Encode } from '../../../src/http/base64.js';
import {
  codeOfHttpStatus, httpStatusOfCode, JsonMappingError, ProtoJsonCodec,
} from '../../../src/http/proto-json.js';
import type { Any, Operation } from '../../../src/types.js';
import { thrown } from '../../helpers/thrown.js';

/** A Root holding protobufjs' bundled google.protobuf types. */
function commonRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ['duration', 'timestamp', 'struct', 'wrappers', 'field_mask', 'empty', 'any']) {
    root.addJSON(protobuf.common.get(`google/protobuf/${file}.proto`)!.nested!);
  }
  return root;
}

/** The test's own message types, resolved through `resolveType` as the client's registry would. */
const USER_ROOT = protobuf.parse(`
syntax = "proto3";
package test.v1;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/field_mask.proto";
message Progress {
  enum State { STATE_UNSPECIFIED = 0; RUNNING = 1; DONE = 2; }
  State state = 1;
  int64 processed_bytes = 2;
  uint64 total_bytes = 3;
  bytes checksum = 4;
  float ratio = 5;
  double score = 6;
  repeated string steps = 7;
  map<string, int32> counts = 8;
  map<int64, string> by_id = 9;
  google.protobuf.Timestamp started = 10;
  google.protobuf.Duration elapsed = 11;
  google.protobuf.Struct labels = 12;
  google.protobuf.Int64Value limit = 13;
  google.protobuf.FieldMask mask = 14;
  google.protobuf.Any inner = 15;
  optional int32 retries = 16;
  Progress child = 17;
  bool flag = 18;
}
`, commonRoot(), { keepCase: true }).root;
USER_ROOT.resolveAll();


function resolveType(name: string): protobuf.Type | undefined {
  try {
    return USER_ROOT.lookupType(name);
  } catch {
    return undefined;
  }
}

const codec = new ProtoJsonCodec({ resolveType });
/** A codec that knows only the built-in types, as a client with an empty registry. */
const bare = new ProtoJsonCodec();

const builtins = commonRoot();
builtins.resolveAll();

function pack(typeName: string, object: Record<string, unknown>): Any {
  const type = typeName.startsWith('test.') ? USER_ROOT.lookupType(typeName) : builtins.lookupType(typeName);
  const bytes = type.encode(type.fromObject(object)).finish();
  return { typeUrl: `type.googleapis.com/${typeName}`, value: new Uint8Array(bytes) };
}

function unpackObject(any: Any, typeName: string): Record<string, unknown> {
  const type = typeName.startsWith('test.') ? USER_ROOT.lookupType(typeName) : builtins.lookupType(typeName);
  return type.toObject(type.decode(any.value), { longs: String, enums: String, bytes: Array, defaults: true });
}

function mappingError(fn: () => unknown): JsonMappingError {
  const error = thrown(fn);
  expect(error).to.be.instanceOf(JsonMappingError);
  return error as JsonMappingError;
}

const EMPTY_URL = 'type.googleapis.com/google.protobuf.Empty';

describe('http/proto-json', () => {
  describe('Operation', () => {
    it('a running operation has no "done" key; metadata inlined beside @type', () => {
      const operation: Operation = {
        name: 'operations/1',
        done: false,
        metadata: pack('test.v1.Progress', { state: 1, processed_bytes: '9007199254740993', checksum: new Uint8Array([1, 2, 3]) }),
      };
      expect(codec.operationToJson(operation)).to.deep.equal({
        name: 'operations/1',
        metadata: {
          '@type': 'type.googleapis.com/test.v1.Progress',
          state: 'RUNNING',
          processedBytes: '9007199254740993',
          checksum: 'AQID',
        },
      });
    });

    it('a done operation with a response, golden JSON, and back', () => {
      const operation: Operation = {
        name: 'operations/2',
        done: true,
        response: pack('google.protobuf.Duration', { seconds: 7, nanos: 500_000_000 }),
      };
      const json = codec.operationToJson(operation);
      expect(JSON.stringify(json)).to.equal(
        '{"name":"operations/2","done":true,"response":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"7.500s"}}');
      expect(codec.operationFromJson(json)).to.deep.equal(operation);
    });

    it('a failed operation: error.code stays the gRPC code, details as Any JSON', () => {
      const retryInfo = codec.anyFromJson({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' });
      const operation: Operation = {
        name: 'operations/3', done: true,
        error: { code: Code.NOT_FOUND, message: 'gone', details: [retryInfo] },
      };
      const json = codec.operationToJson(operation);
      expect(json).to.deep.equal({
        name: 'operations/3', done: true,
        error: { code: 5, message: 'gone', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' }] },
      });
      expect(codec.operationFromJson(json)).to.deep.equal(operation);
    });

    it('reads proto names, ignores unknown fields, treats null as absent', () => {
      expect(codec.operationFromJson({ name: 'operations/4', done: null, extra: { x: 1 }, metadata: null }))
        .to.deep.equal({ name: 'operations/4', done: false });
    });

    it('every field of a message, in its JSON form, and back to the same bytes', () => {
      const inner = pack('google.protobuf.Empty', {});
      const metadata = pack('test.v1.Progress', {
        state: 2, processed_bytes: '-5', total_bytes: '18446744073709551615', ratio: 0.1, score: -2.5,
        steps: ['a', 'b'], counts: { x: 1 }, by_id: { '-9007199254740993': 'big' },
        started: { seconds: 1_700_000_000, nanos: 1_000 }, elapsed: { seconds: -1, nanos: -500_000_000 },
        labels: { fields: { k: { stringValue: 'v' }, n: { nullValue: 0 } } },
        limit: { value: '42' }, mask: { paths: ['foo_bar.baz', 'x'] }, inner: { type_url: inner.typeUrl, value: inner.value }, retries: 0,
        child: { flag: true }, flag: false,
      });
      const json = codec.anyToJson(metadata);
      expect(json).to.deep.equal({
        '@type': 'type.googleapis.com/test.v1.Progress',
        state: 'DONE', processedBytes: '-5', totalBytes: '18446744073709551615', ratio: 0.1, score: -2.5,
        steps: ['a', 'b'], counts: { x: 1 }, byId: { '-9007199254740993': 'big' },
        started: '2023-11-14T22:13:20.000001Z', elapsed: '-1.500s',
        labels: { k: 'v', n: null }, limit: '42', mask: 'fooBar.baz,x',
        inner: { '@type': EMPTY_URL }, retries: 0, child: { flag: true },
      });
      const back = codec.anyFromJson(JSON.parse(JSON.stringify(json)));
      expect(unpackObject(back, 'test.v1.Progress')).to.deep.equal(unpackObject(metadata, 'test.v1.Progress'));
    });

    it('reads enum numbers and original field names', () => {
      const any = codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', state: 1, processed_bytes: 12 });
      expect(unpackObject(any, 'test.v1.Progress')).to.include({ state: 'RUNNING', processed_bytes: '12' });
    });
  });

  describe('well-known types in Anys', () => {
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['google.protobuf.Duration', { seconds: 0, nanos: 0 }, '0s'],
      ['google.protobuf.Duration', { seconds: 3, nanos: 10_000 }, '3.000010s'],
      ['google.protobuf.Duration', { seconds: 0, nanos: 1 }, '0.000000001s'],
      ['google.protobuf.Timestamp', { seconds: 0 }, '1970-01-01T00:00:00Z'],
      ['google.protobuf.Timestamp', { seconds: -62_135_596_800 }, '0001-01-01T00:00:00Z'],
      ['google.protobuf.Timestamp', { seconds: 1, nanos: 500_000_000 }, '1970-01-01T00:00:01.500Z'],
      ['google.protobuf.Struct', { fields: { a: { numberValue: 1 }, b: { listValue: { values: [{ boolValue: true }] } } } }, { a: 1, b: [true] }],
      ['google.protobuf.Value', { stringValue: 's' }, 's'],
      ['google.protobuf.Value', { structValue: { fields: {} } }, {}],
      ['google.protobuf.ListValue', { values: [{ nullValue: 0 }] }, [null]],
      ['google.protobuf.Int64Value', { value: '-7' }, '-7'],
      ['google.protobuf.UInt32Value', { value: 0 }, 0],
      ['google.protobuf.BoolValue', { value: false }, false],
      ['google.protobuf.StringValue', { value: 'x' }, 'x'],
      ['google.protobuf.BytesValue', { value: new Uint8Array([255]) }, '/w=='],
      ['google.protobuf.DoubleValue', { value: NaN }, 'NaN'],
      ['google.protobuf.FloatValue', { value: 1.1 }, 1.1],
      ['google.protobuf.FieldMask', { paths: ['a_b', 'c'] }, 'aB,c'],
    ];
    for (const [typeName, object, value] of cases) {
      it(`${typeName} ${JSON.stringify(value)} nests under "value" and reads back`, () => {
        const any = pack(typeName, object);
        const json = bare.anyToJson(any);
        expect(json).to.deep.equal({ '@type': any.typeUrl, value });
        expect(unpackObject(bare.anyFromJson(json), typeName)).to.deep.equal(unpackObject(any, typeName));
      });
    }

    it('Empty is a bare @type', () => {
      expect(bare.anyToJson({ typeUrl: EMPTY_URL, value: new Uint8Array(0) })).to.deep.equal({ '@type': EMPTY_URL });
      expect(bare.anyFromJson({ '@type': EMPTY_URL })).to.deep.equal({ typeUrl: EMPTY_URL, value: new Uint8Array(0) });
    });

    it('an Any in an Any nests under "value"', () => {
      const inner = pack('google.protobuf.Duration', { seconds: 1 });
      const outer = pack('google.protobuf.Any', { type_url: inner.typeUrl, value: inner.value });
      const json = bare.anyToJson(outer);
      expect(json).to.deep.equal({
        '@type': 'type.googleapis.com/google.protobuf.Any',
        value: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' },
      });
      expect(bare.anyFromJson(json).value).to.deep.equal(outer.value);
    });

    it('google.rpc error details are known without a registry', () => {
      const json = {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'name', description: 'empty' }],
      };
      expect(bare.anyToJson(bare.anyFromJson(json))).to.deep.equal(json);
      // "0" is not the zero value of a string field (only of a 64-bit integer).
      const info = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: '0', domain: 'd', metadata: { k: 'v' } };
      expect(bare.anyToJson(bare.anyFromJson(info))).to.deep.equal(info);
    });
  });

  describe('unknown Any types', () => {
    const json = { '@type': 'example.com/acme.v1.Thing', size: '12', nested: { a: [1] } };

    it('reading never fails: typeUrl, empty value, json without @type; written back from json', () => {
      const any = bare.anyFromJson(json);
      expect(any).to.deep.equal({ typeUrl: 'example.com/acme.v1.Thing', value: new Uint8Array(0), json: { size: '12', nested: { a: [1] } } });
      expect(bare.anyToJson(any)).to.deep.equal(json);
      const operation = bare.operationFromJson({ name: 'operations/x', metadata: json, done: true, response: json });
      expect(bare.operationToJson(operation)).to.deep.equal({ name: 'operations/x', metadata: json, done: true, response: json });
    });

    it('a known type holding an Any of an unknown type keeps the whole JSON', () => {
      const outer = { '@type': 'type.googleapis.com/test.v1.Progress', inner: json, flag: true };
      const any = codec.anyFromJson(outer);
      expect(any.value).to.have.length(0);
      expect(any.json).to.deep.equal({ inner: json, flag: true });
    });

    it('writing an Any of an unresolvable type without json names the type', () => {
      const error = mappingError(() => bare.operationToJson({
        name: 'operations/y', done: false, metadata: { typeUrl: 'type.googleapis.com/acme.v1.Secret', value: new Uint8Array([8, 1]) },
      }));
      expect(error.message).to.contain('acme.v1.Secret');
      expect(error.path).to.equal('operation.metadata');
    });

    it('resolveType that throws counts as unknown', () => {
      const throwing = new ProtoJsonCodec({ resolveType: () => { throw new Error('boom'); } });
      expect(throwing.anyFromJson(json).json).to.deep.equal({ size: '12', nested: { a: [1] } });
    });
  });

  describe('ListOperationsResponse', () => {
    it('the last page has no nextPageToken; empty lists are left out', () => {
      expect(codec.listResponseToJson({ operations: [], nextPageToken: '', unreachable: [] })).to.deep.equal({});
      const page = { operations: [{ name: 'operations/1', done: false }], nextPageToken: 'abc', unreachable: ['r/1'] };
      const json = codec.listResponseToJson(page);
      expect(json).to.deep.equal({ operations: [{ name: 'operations/1' }], nextPageToken: 'abc', unreachable: ['r/1'] });
      expect(codec.listResponseFromJson(json)).to.deep.equal(page);
      expect(codec.listResponseFromJson({ next_page_token: 't' })).to.deep.equal({ operations: [], nextPageToken: 't', unreachable: [] });
    });
  });

  describe('requests', () => {
    it('JSON names, defaults left out, WaitOperation timeout as a Duration', () => {
      expect(codec.requestToJson('GetOperation', { name: 'operations/1' })).to.deep.equal({ name: 'operations/1' });
      expect(codec.requestToJson('ListOperations', { name: 'operations', filter: 'done = true', pageSize: 0, pageToken: 't', returnPartialSuccess: false }))
        .to.deep.equal({ name: 'operations', filter: 'done = true', pageToken: 't' });
      expect(codec.requestToJson('ListOperations', { name: '', pageSize: 5, returnPartialSuccess: true }))
        .to.deep.equal({ pageSize: 5, returnPartialSuccess: true });
      expect(codec.requestToJson('WaitOperation', { name: 'o', timeoutMs: 7500 })).to.deep.equal({ name: 'o', timeout: '7.500s' });
      expect(codec.requestToJson('WaitOperation', { name: 'o', timeoutMs: 0 })).to.deep.equal({ name: 'o', timeout: '0s' });
      expect(codec.requestToJson('WaitOperation', { name: 'o', timeoutMs: Infinity })).to.deep.equal({ name: 'o', timeout: '315576000000s' });
      expect(codec.requestToJson('WaitOperation', { name: 'o' })).to.deep.equal({ name: 'o' });
    });

    it('reads JSON and proto names; round trips', () => {
      expect(codec.requestFromJson('ListOperations', { name: 'operations', page_size: '10', page_token: 'p', filter: 'f', return_partial_success: 'true' }))
        .to.deep.equal({ name: 'operations', pageSize: 10, pageToken: 'p', filter: 'f', returnPartialSuccess: true });
      expect(codec.requestFromJson('WaitOperation', { name: 'o', timeout: '1.5s' })).to.deep.equal({ name: 'o', timeoutMs: 1500 });
      expect(codec.requestFromJson('CancelOperation', {})).to.deep.equal({ name: '' });
      expect(codec.requestFromJson('DeleteOperation', { name: 'operations/9' })).to.deep.equal({ name: 'operations/9' });
    });

    it('unknown fields are a JsonMappingError naming the field', () => {
      for (const method of ['GetOperation', 'ListOperations', 'CancelOperation', 'DeleteOperation', 'WaitOperation'] as const) {
        const error = mappingError(() => codec.requestFromJson(method, { name: 'x', pageSizee: 1 }));
        expect(error.path).to.equal('request.pageSizee');
      }
      expect(mappingError(() => codec.requestFromJson('WaitOperation', { name: 'x', timeout: 5 })).path).to.equal('request.timeout');
      expect(mappingError(() => codec.requestFromJson('ListOperations', { pageSize: 1.5 })).path).to.equal('request.pageSize');
      expect(mappingError(() => codec.requestFromJson('ListOperations', { pageSize: 2 ** 31 })).path).to.equal('request.pageSize');
      mappingError(() => codec.requestFromJson('GetOperation', 'operations/1'));
    });
  });

  describe('bad JSON shapes', () => {
    const cases: [string, () => unknown, string][] = [
      ['an Operation that is an array', () => codec.operationFromJson([]), 'operation'],
      ['an Operation without a name', () => codec.operationFromJson({ done: true }), 'operation.name'],
      ['a numeric name', () => codec.operationFromJson({ name: 5 }), 'operation.name'],
      ['done as a string', () => codec.operationFromJson({ name: 'o', done: 'yes' }), 'operation.done'],
      ['metadata without @type', () => codec.operationFromJson({ name: 'o', metadata: { a: 1 } }), 'operation.metadata["@type"]'],
      ['a Duration that is not a string', () => codec.operationFromJson({ name: 'o', response: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: 5 } }), 'operation.response'],
      ['a bad Timestamp', () => codec.anyFromJson({ '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2024-02-30T00:00:00Z' }), 'any'],
      ['a bad int64 field', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', processedBytes: 'lots' }), 'any.processedBytes'],
      ['an int64 out of range', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', processedBytes: '9223372036854775808' }), 'any.processedBytes'],
      ['bad base64', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', checksum: '***' }), 'any.checksum'],
      ['a repeated field that is not an array', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', steps: 'a' }), 'any.steps'],
      ['a bad map value', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', counts: { a: 'x' } }), 'any.counts["a"]'],
      ['a bad map key', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', byId: { x: 'y' } }), 'any.byId["x"]'],
      ['a field given under its JSON and its proto name', () => codec.anyFromJson({ '@type': 'type.googleapis.com/test.v1.Progress', processedBytes: '1', processed_bytes: '2' }), 'any.processedBytes'],
      ['a nested bad field', () => codec.operationFromJson({ name: 'o', metadata: { '@type': 'type.googleapis.com/test.v1.Progress', child: { flag: 1 } } }), 'operation.metadata.child.flag'],
      ['a list page whose operations is an object', () => codec.listResponseFromJson({ operations: {} }), 'listResponse.operations'],
      ['a list page with a bad operation', () => codec.listResponseFromJson({ operations: [{ name: 'a' }, { name: 1 }] }), 'listResponse.operations[1].name'],
      ['a Status whose code is a string', () => codec.statusFromJson({ code: 'NOT_FOUND' }), 'status.code'],
      ['a Status whose details is an object', () => codec.statusFromJson({ details: {} }), 'status.details'],
    ];
    for (const [what, fn, path] of cases) {
      it(`${what}: JsonMappingError at ${path}`, () => {
        const error = mappingError(fn);
        expect(error.path).to.equal(path);
        expect(error.message.startsWith(`${path}: `)).to.equal(true);
      });
    }
  });

  describe('Status and the error envelope', () => {
    it('statusToJson / statusFromJson', () => {
      expect(codec.statusToJson({ code: 0, message: '', details: [] })).to.deep.equal({});
      expect(codec.statusFromJson({})).to.deep.equal({ code: 0, message: '', details: [] });
      const status = { code: Code.ABORTED, message: 'm', details: [{ typeUrl: EMPTY_URL, value: new Uint8Array(0) }] };
      expect(codec.statusFromJson(codec.statusToJson(status))).to.deep.equal(status);
    });

    it('errorEnvelope: HTTP status in error.code, the code name in error.status', () => {
      const retry = codec.anyFromJson({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' });
      const envelope = codec.errorEnvelope({ code: Code.NOT_FOUND, message: 'no such operation', details: [retry] });
      expect(envelope).to.deep.equal({
        httpStatus: 404,
        body: { error: { code: 404, message: 'no such operation', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }] } },
      });
      expect(codec.errorEnvelope({ code: Code.UNAVAILABLE, message: '', details: [] }))
        .to.deep.equal({ httpStatus: 503, body: { error: { code: 503, message: '', status: 'UNAVAILABLE' } } });
      expect(codec.errorEnvelope({ code: 99, message: 'x', details: [] }).body)
        .to.deep.equal({ error: { code: 500, message: 'x', status: 'UNKNOWN' } });
    });

    it('errorFromResponse reads the envelope back', () => {
      const status = { code: Code.FAILED_PRECONDITION, message: 'not yet', details: [codec.anyFromJson({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R' })] };
      const { httpStatus, body } = codec.errorEnvelope(status);
      expect(httpStatus).to.equal(400);
      expect(codec.errorFromResponse(httpStatus, JSON.stringify(body))).to.deep.equal(status);
    });

    it('errorFromResponse: the status name wins, else the HTTP status', () => {
      expect(codec.errorFromResponse(400, '{"error":{"code":400,"message":"m","status":"OUT_OF_RANGE"}}').code).to.equal(Code.OUT_OF_RANGE);
      expect(codec.errorFromResponse(404, '{"error":{"code":404,"message":"m"}}').code).to.equal(Code.NOT_FOUND);
      expect(codec.errorFromResponse(409, '{"error":{"message":"m","status":"NOT_A_CODE"}}').code).to.equal(Code.ABORTED);
      expect(codec.errorFromResponse(500, '{"error":{"status":"OK"}}')).to.deep.equal({ code: Code.INTERNAL, message: 'HTTP 500', details: [] });
      expect(codec.errorFromResponse(429, '[{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}]').message).to.equal('slow down');
    });

    it('errorFromResponse drops an undecodable detail, keeps an unknown one as JSON', () => {
      const body = JSON.stringify({
        error: {
          code: 503, message: 'down', status: 'UNAVAILABLE',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: 'soon' },
            'not an Any',
            { '@type': 'type.googleapis.com/acme.v1.Hint', hint: 'h' },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' },
          ],
        },
      });
      const status = codec.errorFromResponse(503, body);
      expect(status.code).to.equal(Code.UNAVAILABLE);
      expect(status.details.map((d) => d.typeUrl)).to.deep.equal([
        'type.googleapis.com/acme.v1.Hint', 'type.googleapis.com/google.rpc.RetryInfo',
      ]);
      expect(status.details[0].json).to.deep.equal({ hint: 'h' });
    });

    it('a non-JSON body (a proxy\'s HTML) gives a one-line message naming the HTTP status', () => {
      const html = `<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n${'<p>filler</p>'.repeat(100)}</body></html>`;
      const status = codec.errorFromResponse(502, html);
      expect(status.code).to.equal(Code.UNAVAILABLE);
      expect(status.details).to.deep.equal([]);
      expect(status.message).to.match(/^HTTP 502 .*502 Bad Gateway 502 Bad Gateway/);
      expect(status.message).not.to.match(/[\r\n<>]/);
      expect(status.message.length).to.be.within(40, 250);
      expect(codec.errorFromResponse(504, '').message).to.equal('HTTP 504 with an empty body');
      expect(codec.errorFromResponse(500, '{"trunc').message).to.contain('{"trunc');
      expect(codec.errorFromResponse(418, '{"notAnEnvelope": true}').code).to.equal(Code.FAILED_PRECONDITION);
    });

    it('httpStatusOfCode: Google\'s mapping', () => {
      const expected: [number, number][] = [
        [Code.OK, 200], [Code.CANCELLED, 499], [Code.UNKNOWN, 500], [Code.INVALID_ARGUMENT, 400],
        [Code.DEADLINE_EXCEEDED, 504], [Code.NOT_FOUND, 404], [Code.ALREADY_EXISTS, 409],
        [Code.PERMISSION_DENIED, 403], [Code.UNAUTHENTICATED, 401], [Code.RESOURCE_EXHAUSTED, 429],
        [Code.FAILED_PRECONDITION, 400], [Code.ABORTED, 409], [Code.OUT_OF_RANGE, 400],
        [Code.UNIMPLEMENTED, 501], [Code.INTERNAL, 500], [Code.UNAVAILABLE, 503], [Code.DATA_LOSS, 500],
      ];
      for (const [code, http] of expected) expect(httpStatusOfCode(code), `code ${code}`).to.equal(http);
      expect(httpStatusOfCode(42)).to.equal(500);
    });

    it('codeOfHttpStatus: the standard mapping, 502/504 transient', () => {
      const expected: [number, number][] = [
        [400, Code.INVALID_ARGUMENT], [401, Code.UNAUTHENTICATED], [403, Code.PERMISSION_DENIED],
        [404, Code.NOT_FOUND], [409, Code.ABORTED], [416, Code.OUT_OF_RANGE], [429, Code.RESOURCE_EXHAUSTED],
        [499, Code.CANCELLED], [501, Code.UNIMPLEMENTED], [502, Code.UNAVAILABLE], [503, Code.UNAVAILABLE],
        [504, Code.UNAVAILABLE], [405, Code.FAILED_PRECONDITION], [418, Code.FAILED_PRECONDITION],
        [500, Code.INTERNAL], [507, Code.INTERNAL], [200, Code.UNKNOWN], [302, Code.UNKNOWN], [600, Code.UNKNOWN],
      ];
      for (const [http, code] of expected) expect(codeOfHttpStatus(http), `HTTP ${http}`).to.equal(code);
    });
  });

  describe('base64', () => {
    it('encodes the standard alphabet with padding; decodes standard, URL-safe and unpadded', () => {
      const bytes = new Uint8Array([251, 255, 191, 0, 1]);
      expect(base64Encode(bytes)).to.equal('+/+/AAE=');
      expect(base64Decode('+/+/AAE=')).to.deep.equal(bytes);
      expect(base64Decode('-_-_AAE')).to.deep.equal(bytes);
      expect(base64Encode(new Uint8Array(0))).to.equal('');
      expect(base64Decode('')).to.deep.equal(new Uint8Array(0));
      for (const bad of ['a', 'ab!c', 'é===', 'abc==']) expect(base64Decode(bad), bad).to.equal(undefined);
    });
  });
});
