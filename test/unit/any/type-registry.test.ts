import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { InvalidArgumentError, LongRunningError, TypeMismatchError } from '../../../src/errors.js';
import { loadProtoFiles } from '../../../src/any/proto-files.js';
import { TypeRegistry, typeNameOf } from '../../../src/any/type-registry.js';
import type { Any } from '../../../src/types.js';
import { thrown } from '../../helpers/thrown.js';

const PROTOS = fileURLToPath(new URL('../../fixtures/protos', import.meta.url));
const FIXTURE = 'example/v1/service.proto';

/** Runs `fn`, which must throw a TypeMismatchError, and returns it. */
function mismatch(fn: () => unknown): TypeMismatchError {
  const error = thrown(fn);
  expect(error).to.be.instanceOf(TypeMismatchError);
  expect(error).to.be.instanceOf(LongRunningError);
  return error as TypeMismatchError;
}

/** Runs `fn`, which must throw an InvalidArgumentError, and returns it. */
function invalid(fn: () => unknown): InvalidArgumentError {
  const error = thrown(fn);
  expect(error).to.be.instanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

/** Serializes with protobufjs itself, independently of `pack`. */
function encodeWith(root: protobuf.Root, typeName: string, object: Record<string, unknown>): Uint8Array {
  const type = root.lookupType(typeName);
  return type.encode(type.fromObject(object)).finish();
}

function anyOf(typeName: string, value: Uint8Array, prefix = 'type.googleapis.com/'): Any {
  return { typeUrl: `${prefix}${typeName}`, value };
}

function isPlainUint8Array(value: unknown): boolean {
  return value instanceof Uint8Array && Object.getPrototypeOf(value) === Uint8Array.prototype;
}

const FULL_METADATA = {
  state: 'RUNNING',
  processedBytes: '9007199254740993', // 2^53 + 1: not a safe integer
  delta: '-42',
  cursor: new Uint8Array([1, 2, 3, 250]),
  warnings: ['disk almost full', 'slow'],
  percentHistory: [10, 20, 300],
  ratio: 0.25,
  paused: true,
  checksum: '18446744073709551615', // fixed64 max
  current: { uri: 'gs://bucket/chunk-1', checksum: new Uint8Array([9]), sizeBytes: '1024' },
  marker: {},
};

const EMPTY_METADATA = {
  state: 'STATE_UNSPECIFIED',
  processedBytes: '0',
  delta: '0',
  cursor: new Uint8Array(0),
  warnings: [],
  percentHistory: [],
  ratio: 0,
  paused: false,
  checksum: '0',
};

describe('any/type-registry', () => {
  let types: TypeRegistry;
  let root: protobuf.Root;

  before(async () => {
    types = await TypeRegistry.fromProtoFiles([FIXTURE], { includeDirs: [PROTOS] });
    root = loadProtoFiles([FIXTURE], [PROTOS]);
  });

  describe('typeNameOf()', () => {
    it('returns the last segment of a type URL, whatever the host prefix', () => {
      expect(typeNameOf('type.googleapis.com/google.protobuf.Empty')).to.equal('google.protobuf.Empty');
      expect(typeNameOf('example.com/types/v2/example.v1.ExportResponse')).to.equal('example.v1.ExportResponse');
      expect(typeNameOf('https://types.example.org/a.B')).to.equal('a.B');
      expect(typeNameOf('/a.B')).to.equal('a.B');
    });

    it('accepts a bare name, with or without a leading dot', () => {
      expect(typeNameOf('google.rpc.ErrorInfo')).to.equal('google.rpc.ErrorInfo');
      expect(typeNameOf('.google.rpc.ErrorInfo')).to.equal('google.rpc.ErrorInfo');
    });

    it('throws TypeMismatchError for a URL that names no type', () => {
      for (const url of ['', 'type.googleapis.com/', '.', 'a/b/']) {
        const error = mismatch(() => typeNameOf(url));
        expect(error.typeUrl).to.equal(url);
        expect(error.expected).to.equal(undefined);
        expect(error.message).to.include('names no type');
      }
    });
  });

  describe('construction', () => {
    it('fromProtoFiles() loads the files, their imports and the well-known types', () => {
      expect(types.has('example.v1.ExportResponse')).to.be.true;
      expect(types.has('example.v1.ExportResponse.Chunk')).to.be.true;
      expect(types.has('google.longrunning.Operation')).to.be.true; // imported by the fixture
      expect(types.has('google.rpc.BadRequest')).to.be.true; // well-known, not imported
    });

    it('fromRoot() and the constructor accept a protobufjs Root', () => {
      for (const registry of [TypeRegistry.fromRoot(root), new TypeRegistry(root)]) {
        expect(registry.has('example.v1.ExportMetadata')).to.be.true;
        const any = registry.pack('example.v1.ExportMetadata', FULL_METADATA);
        expect(registry.unpack(any)).to.deep.equal(FULL_METADATA);
      }
    });

    it('fromRoot() accepts a Root built from JSON, resolving it', () => {
      const jsonRoot = protobuf.Root.fromJSON({
        nested: { demo: { nested: { Thing: { fields: { id: { type: 'int64', id: 1 }, tags: { rule: 'repeated', type: 'string', id: 2 } } } } } },
      });
      const registry = TypeRegistry.fromRoot(jsonRoot);
      const any = anyOf('demo.Thing', encodeWith(jsonRoot, 'demo.Thing', { id: 7, tags: ['a'] }));
      // A Root without an edition is proto2: fields have presence, and are set here.
      expect(registry.unpack(any)).to.deep.equal({ id: '7', tags: ['a'] });
    });

    it('empty() and new TypeRegistry() know exactly the well-known types', () => {
      for (const registry of [TypeRegistry.empty(), new TypeRegistry()]) {
        expect(registry.has('google.protobuf.Empty')).to.be.true;
        expect(registry.has('google.rpc.Status')).to.be.true;
        expect(registry.has('example.v1.ExportResponse')).to.be.false;
        expect(registry.has('google.longrunning.Operation')).to.be.false;
      }
    });

    it('rejects a value that is not a Root', () => {
      const error = invalid(() => new TypeRegistry({} as protobuf.Root));
      expect(error.argument).to.equal('root');
    });

    it('fromProtoFiles() validates its arguments eagerly', async () => {
      for (const [paths, options, argument] of [
        [[], undefined, 'paths'],
        [[''], undefined, 'paths'],
        ['a.proto', undefined, 'paths'],
        [[FIXTURE], { includeDirs: PROTOS }, 'options.includeDirs'],
      ] as const) {
        const error = await TypeRegistry.fromProtoFiles(paths as unknown as string[], options as never)
          .then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).to.equal(argument);
      }
    });

    const rejection = (paths: string[], includeDirs: string[]) =>
      TypeRegistry.fromProtoFiles(paths, { includeDirs }).then(() => expect.fail('loaded'), (e: unknown) => e as InvalidArgumentError);

    it('fromProtoFiles() with a missing file: InvalidArgumentError naming the file, every place searched and includeDirs', async () => {
      const error = await rejection([FIXTURE, 'no/such/file.proto'], [PROTOS]);
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.argument).to.equal('paths[1]');
      expect(error.value).to.equal('no/such/file.proto');
      expect(error.message).to.include(path.join(PROTOS, 'no/such/file.proto'))
        .and.include(path.resolve('no/such/file.proto'))
        .and.include('`includeDirs`');
      expect((error.cause as NodeJS.ErrnoException).code, 'the fs error is the cause').to.equal('ENOENT');
    });

    describe('with protos of its own', () => {
      let dir: string;
      before(() => {
        dir = mkdtempSync(path.join(tmpdir(), 'lrc-protos-'));
        mkdirSync(path.join(dir, 'a'));
        writeFileSync(path.join(dir, 'a', 'imports.proto'), 'syntax = "proto3";\npackage a;\nimport "b/missing.proto";\nmessage M { int32 x = 1; }\n');
        writeFileSync(path.join(dir, 'a', 'broken.proto'), 'syntax = "proto3";\npackage a;\nmessage M { int32 x = 1 }\n');
      });
      after(() => {
        rmSync(dir, { recursive: true, force: true });
      });

      it('a missing import: InvalidArgumentError on includeDirs naming the import, its importer and every place searched', async () => {
        const error = await rejection(['a/imports.proto'], [dir]);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal('options.includeDirs');
        expect(error.value).to.deep.equal([dir]);
        expect(error.message).to.include('"b/missing.proto", imported by ' + path.join(dir, 'a', 'imports.proto'))
          .and.include(path.join(dir, 'b', 'missing.proto'))
          .and.include(path.join(dir, 'a', 'b', 'missing.proto'));
      });

      it('a file that does not parse: InvalidArgumentError naming the file and protobufjs\' reason', async () => {
        const error = await rejection(['a/broken.proto'], [dir]);
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal('paths');
        expect(error.message).to.include("illegal token '}'").and.include(path.join(dir, 'a', 'broken.proto'));
      });
    });
  });

  describe('has()', () => {
    it('finds message types by exact full name, ignoring a leading dot or URL prefix', () => {
      expect(types.has('.example.v1.ExportMetadata')).to.be.true;
      expect(types.has('type.googleapis.com/example.v1.ExportMetadata')).to.be.true;
    });

    it('is false for enums, services, packages, partial and unknown names', () => {
      for (const name of ['example.v1.ExportMetadata.State', 'example.v1.ExportService', 'example.v1', 'example',
        'ExportResponse', 'v1.ExportResponse', 'Empty', 'example.v1.Nope', 'constructor', 'example..v1', '']) {
        expect(types.has(name), name).to.be.false;
      }
    });
  });

  describe('well-known types', () => {
    const struct = { a: 1, b: [true, null, 'x'], c: { d: 2 } };
    const inner = { typeUrl: 'type.googleapis.com/google.protobuf.Empty', value: new Uint8Array(0) };
    const cases: [string, unknown][] = [
      ['google.protobuf.Empty', {}],
      ['google.protobuf.Struct', struct],
      ['google.protobuf.Struct', {}],
      ['google.protobuf.Value', null],
      ['google.protobuf.Value', 1.5],
      ['google.protobuf.Value', 'text'],
      ['google.protobuf.Value', false],
      ['google.protobuf.Value', [1, 'two', [3], { four: 4 }]],
      ['google.protobuf.Value', struct],
      ['google.protobuf.ListValue', [null, true, 2, 'three', { four: [] }]],
      ['google.protobuf.ListValue', []],
      ['google.protobuf.Timestamp', { seconds: '1700000000', nanos: 123456789 }],
      ['google.protobuf.Timestamp', { seconds: '-62135596800', nanos: 0 }],
      ['google.protobuf.Duration', { seconds: '90', nanos: 500000000 }],
      ['google.protobuf.Duration', { seconds: '-1', nanos: -5 }],
      ['google.protobuf.FieldMask', { paths: ['display_name', 'labels'] }],
      ['google.protobuf.Any', { typeUrl: 'type.googleapis.com/example.v1.Nested', value: new Uint8Array([8, 1]) }],
      ['google.protobuf.DoubleValue', 2.5],
      ['google.protobuf.FloatValue', 0.5],
      ['google.protobuf.Int64Value', '-9223372036854775808'],
      ['google.protobuf.UInt64Value', '18446744073709551615'],
      ['google.protobuf.Int32Value', -7],
      ['google.protobuf.UInt32Value', 4294967295],
      ['google.protobuf.BoolValue', true],
      ['google.protobuf.StringValue', 'héllo ✓'],
      ['google.protobuf.BytesValue', new Uint8Array([0, 255])],
      ['google.rpc.Status', { code: 5, message: 'not found', details: [inner] }],
      ['google.rpc.ErrorInfo', { reason: 'QUOTA', domain: 'example.com', metadata: { service: 'x' } }],
      ['google.rpc.ErrorInfo', { reason: '', domain: '', metadata: JSON.parse('{"__proto__": "an own key"}') as object }],
      ['google.rpc.RetryInfo', { retryDelay: { seconds: '2', nanos: 0 } }],
      ['google.rpc.DebugInfo', { stackEntries: ['a', 'b'], detail: 'boom' }],
      ['google.rpc.QuotaFailure', { violations: [{
        subject: 'project:1', description: 'too many', apiService: 'compute.googleapis.com', quotaMetric: 'cpus',
        quotaId: 'CPUS-per-project', quotaDimensions: { region: 'us-east1' }, quotaValue: '10', futureQuotaValue: '20',
      }] }],
      ['google.rpc.PreconditionFailure', { violations: [{ type: 'TOS', subject: 'x', description: 'accept' }] }],
      ['google.rpc.BadRequest', { fieldViolations: [{
        field: 'name', description: 'empty', reason: 'REQUIRED', localizedMessage: { locale: 'en', message: 'Name?' },
      }] }],
      ['google.rpc.RequestInfo', { requestId: 'r-1', servingData: 'abc' }],
      ['google.rpc.ResourceInfo', { resourceType: 'bucket', resourceName: 'b', owner: 'me', description: 'gone' }],
      ['google.rpc.Help', { links: [{ description: 'docs', url: 'https://example.com' }] }],
      ['google.rpc.LocalizedMessage', { locale: 'en-US', message: 'Hello' }],
    ];
    const registries = (): [string, TypeRegistry][] => [['empty()', TypeRegistry.empty()], ['fromProtoFiles()', types]];

    for (const [typeName, value] of cases) {
      it(`round-trips ${typeName} ${JSON.stringify(value) ?? ''}`, () => {
        for (const [label, registry] of registries()) {
          const any = registry.pack(typeName, value);
          expect(any.typeUrl).to.equal(`type.googleapis.com/${typeName}`);
          expect(registry.unpack(any, typeName), label).to.deep.equal(value);
        }
      });
    }

    it('fills in the fields an error detail defines (proto3 defaults) when they were not sent', () => {
      const registry = TypeRegistry.empty();
      const help = registry.unpack(registry.pack('google.rpc.Help', { links: [{ url: 'https://example.com' }] }));
      expect(help).to.deep.equal({ links: [{ description: '', url: 'https://example.com' }] });
      expect(registry.unpack(registry.pack('google.rpc.RetryInfo', {}))).to.deep.equal({});
      expect(registry.unpack(registry.pack('google.rpc.Status', {}))).to.deep.equal({ code: 0, message: '', details: [] });
    });

    it('unpacks a Struct encoded by protobufjs to a plain object', () => {
      const wkRoot = loadProtoFiles(['google/protobuf/struct.proto']);
      const bytes = encodeWith(wkRoot, 'google.protobuf.Struct', {
        fields: {
          a: { numberValue: 1 },
          b: { listValue: { values: [{ boolValue: true }, { nullValue: 'NULL_VALUE' }, { stringValue: 'x' }] } },
          c: { structValue: { fields: { d: { numberValue: 2 } } } },
          e: {}, // a Value with no kind set reads as null
        },
      });
      expect(TypeRegistry.empty().unpack(anyOf('google.protobuf.Struct', bytes)))
        .to.deep.equal({ a: 1, b: [true, null, 'x'], c: { d: 2 }, e: null });
    });

    it('keeps a nested Any as { typeUrl, value } with a plain Uint8Array', () => {
      const registry = TypeRegistry.empty();
      const detail = registry.pack('google.rpc.ErrorInfo', { reason: 'R', domain: 'd', metadata: {} });
      const status = registry.unpack<{ details: Any[] }>(registry.pack('google.rpc.Status', { code: 3, details: [detail] }));
      expect(status.details).to.have.length(1);
      expect(status.details[0].typeUrl).to.equal('type.googleapis.com/google.rpc.ErrorInfo');
      expect(isPlainUint8Array(status.details[0].value)).to.be.true;
      expect(registry.unpack(status.details[0], 'google.rpc.ErrorInfo')).to.deep.equal({ reason: 'R', domain: 'd', metadata: {} });
    });

    it('packs a Date as a Timestamp', () => {
      const registry = TypeRegistry.empty();
      const any = registry.pack('google.protobuf.Timestamp', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)));
      expect(registry.unpack(any)).to.deep.equal({ seconds: '1704164645', nanos: 678000000 });
      expect(registry.unpack(registry.pack('google.protobuf.Timestamp', new Date(-1)))).to.deep.equal({ seconds: '-1', nanos: 999000000 });
    });

    it('packs bigint 64-bit integers', () => {
      const registry = TypeRegistry.empty();
      expect(registry.unpack(registry.pack('google.protobuf.Int64Value', -(2n ** 63n)))).to.equal('-9223372036854775808');
      expect(registry.unpack(registry.pack('google.protobuf.Duration', { seconds: 3n }))).to.deep.equal({ seconds: '3', nanos: 0 });
    });
  });

  describe('fixture types', () => {
    it('round-trips a message with every kind of field', () => {
      const any = types.pack('example.v1.ExportMetadata', FULL_METADATA);
      expect(any.typeUrl).to.equal('type.googleapis.com/example.v1.ExportMetadata');
      expect(types.unpack(any, 'example.v1.ExportMetadata')).to.deep.equal(FULL_METADATA);
    });

    it('decodes bytes protobufjs encoded: int64 as strings, enums as names, bytes as Uint8Array', () => {
      const bytes = encodeWith(root, 'example.v1.ExportMetadata', {
        state: 2, processedBytes: '9007199254740993', delta: '-42', cursor: Buffer.from([7]), checksum: '5',
        current: { uri: 'u', sizeBytes: '18446744073709551615' }, percentHistory: [1, 2],
      });
      const decoded = types.unpack<typeof FULL_METADATA>(anyOf('example.v1.ExportMetadata', Buffer.from(bytes)));
      expect(decoded).to.deep.equal({
        ...EMPTY_METADATA,
        state: 'FINISHING',
        processedBytes: '9007199254740993',
        delta: '-42',
        cursor: new Uint8Array([7]),
        checksum: '5',
        current: { uri: 'u', checksum: new Uint8Array(0), sizeBytes: '18446744073709551615' },
        percentHistory: [1, 2],
      });
      expect(isPlainUint8Array(decoded.cursor)).to.be.true;
      expect(isPlainUint8Array(decoded.current.checksum)).to.be.true;
    });

    it('decodes 64-bit integers exactly around the safe-integer boundary', () => {
      for (const value of ['9007199254740991', '9007199254740992', '-9007199254740992', '-9007199254740993',
        '9223372036854775807', '-9223372036854775808', '-1', '0', '4294967296']) {
        const any = types.pack('example.v1.ExportMetadata', { processedBytes: value, delta: value });
        const decoded = types.unpack<{ processedBytes: string; delta: string }>(any);
        expect([decoded.processedBytes, decoded.delta]).to.deep.equal([value, value]);
      }
      const unsigned = types.pack('example.v1.ExportMetadata', { checksum: '9007199254740993' });
      expect(types.unpack<{ checksum: string }>(unsigned).checksum).to.equal('9007199254740993');
    });

    it('sets fields without presence to their zero values and leaves unset messages out', () => {
      expect(types.unpack(anyOf('example.v1.ExportMetadata', new Uint8Array(0)))).to.deep.equal(EMPTY_METADATA);
      expect(types.unpack({ typeUrl: 'type.googleapis.com/example.v1.ExportMetadata' })).to.deep.equal(EMPTY_METADATA);
    });

    it('converts well-known fields, marks the set oneof member and keeps optional presence', () => {
      const response = {
        destination: 'gs://bucket/export',
        chunks: [{ uri: 'gs://bucket/1', checksum: new Uint8Array([1]), sizeBytes: '10' }],
        totalBytes: '10',
        counts: { a: 1, b: -2 },
        labels: { team: 'storage', tags: ['x'] },
        finishTime: { seconds: '1700000000', nanos: 0 },
        note: '',
        outcome: 'summary',
        summary: 'all good',
        retries: 0,
      };
      expect(types.unpack(types.pack('example.v1.ExportResponse', response))).to.deep.equal(response);
      const minimal = types.unpack(types.pack('example.v1.ExportResponse', { warningCount: 2 }));
      expect(minimal).to.deep.equal({
        destination: '', chunks: [], totalBytes: '0', counts: {}, outcome: 'warningCount', warningCount: 2,
      });
      expect(minimal).to.not.have.property('retries');
      expect(minimal).to.not.have.property('labels');
    });

    it('keeps the last oneof member on the wire', () => {
      const writer = protobuf.Writer.create();
      writer.uint32((8 << 3) | 2).string('first');
      writer.uint32((9 << 3) | 0).int32(3);
      const decoded = types.unpack(anyOf('example.v1.ExportResponse', writer.finish()));
      expect(decoded).to.include({ outcome: 'warningCount', warningCount: 3 });
      expect(decoded).to.not.have.property('summary');
    });

    it('keeps unknown enum numbers as numbers and skips unknown fields', () => {
      const writer = protobuf.Writer.create();
      writer.uint32((1 << 3) | 0).int32(7); // state = 7, not a declared value
      writer.uint32((99 << 3) | 2).string('from a newer server');
      writer.uint32((98 << 3) | 5).fixed32(1);
      writer.uint32((9 << 3) | 0).bool(true);
      const decoded = types.unpack(anyOf('example.v1.ExportMetadata', writer.finish()));
      expect(decoded).to.deep.equal({ ...EMPTY_METADATA, state: 7, paused: true });
    });

    it('accepts repeated scalars both packed and unpacked', () => {
      const writer = protobuf.Writer.create();
      writer.uint32((7 << 3) | 0).int32(1);
      writer.uint32((7 << 3) | 2).fork().int32(2).int32(3).ldelim();
      writer.uint32((7 << 3) | 0).int32(4);
      const decoded = types.unpack<{ percentHistory: number[] }>(anyOf('example.v1.ExportMetadata', writer.finish()));
      expect(decoded.percentHistory).to.deep.equal([1, 2, 3, 4]);
    });

    it('returns bytes as views of the Any value, never as Buffers', () => {
      const any = types.pack('example.v1.ExportMetadata', { cursor: new Uint8Array([5, 6]) });
      const fromBuffer = types.unpack<{ cursor: Uint8Array }>({ type_url: any.typeUrl, value: Buffer.from(any.value) });
      expect(isPlainUint8Array(fromBuffer.cursor)).to.be.true;
      expect([...fromBuffer.cursor]).to.deep.equal([5, 6]);
    });

    it('decodes a google.longrunning.Operation with its result oneof marker and nested Any', () => {
      const response = types.pack('example.v1.ExportResponse', { destination: 'gs://x' });
      const operation = types.unpack(types.pack('google.longrunning.Operation', { name: 'operations/1', done: true, response }));
      expect(operation).to.deep.equal({ name: 'operations/1', done: true, result: 'response', response });
    });

    it('packs enum numbers and numeric 64-bit integers, and leaves null fields out', () => {
      const any = types.pack('example.v1.ExportMetadata', { state: 1, current: null, processedBytes: 3 });
      expect(types.unpack(any)).to.deep.equal({ ...EMPTY_METADATA, state: 'RUNNING', processedBytes: '3' });
    });
  });

  describe('type URLs', () => {
    it('unpacks the same type whatever the host prefix', () => {
      const { value } = types.pack('example.v1.ExportMetadata', FULL_METADATA);
      for (const prefix of ['type.googleapis.com/', 'example.com/types/', 'https://x.example/a/b/', '/', '']) {
        expect(types.unpack(anyOf('example.v1.ExportMetadata', value, prefix)), prefix).to.deep.equal(FULL_METADATA);
        expect(types.unpack(anyOf('example.v1.ExportMetadata', value, prefix), 'example.v1.ExportMetadata')).to.deep.equal(FULL_METADATA);
      }
    });

    it('accepts the type_url spelling and Buffer values', () => {
      const { typeUrl, value } = types.pack('google.rpc.LocalizedMessage', { locale: 'de', message: 'Hallo' });
      expect(types.unpack({ type_url: typeUrl, value: Buffer.from(value) })).to.deep.equal({ locale: 'de', message: 'Hallo' });
      expect(types.unpack({ typeUrl: null, type_url: typeUrl, value })).to.deep.equal({ locale: 'de', message: 'Hallo' });
    });

    it('accepts the expected type as a name with a leading dot or as a type URL', () => {
      const any = types.pack('google.protobuf.Empty', {});
      expect(types.unpack(any, '.google.protobuf.Empty')).to.deep.equal({});
      expect(types.unpack(any, 'example.com/google.protobuf.Empty')).to.deep.equal({});
    });

    it('pack() keeps a full type URL given instead of a name', () => {
      const any = types.pack('example.com/types/google.protobuf.Empty', {});
      expect(any.typeUrl).to.equal('example.com/types/google.protobuf.Empty');
      expect(types.unpack(any, 'google.protobuf.Empty')).to.deep.equal({});
    });
  });

  describe('errors', () => {
    it('a malformed schema (a JSON Root with field number 0) is a TypeMismatchError naming the type, with the cause', () => {
      const root = protobuf.Root.fromJSON({ nested: { x: { nested: { Bad: { fields: { a: { type: 'string', id: 0 } } } } } } });
      const error = thrown(() => TypeRegistry.fromRoot(root).unpack({ typeUrl: 'type.googleapis.com/x.Bad', value: new Uint8Array() }));
      expect(error).to.be.instanceOf(TypeMismatchError);
      expect((error as TypeMismatchError).message).to.contain('x.Bad').and.contain('malformed');
      expect((error as TypeMismatchError).cause).to.be.instanceOf(Error);
    });

    it('names both types when the Any holds another type than expected', () => {
      const any = types.pack('google.protobuf.Empty', {});
      const error = mismatch(() => types.unpack(any, 'example.v1.ExportResponse'));
      expect(error.typeUrl).to.equal('type.googleapis.com/google.protobuf.Empty');
      expect(error.expected).to.equal('example.v1.ExportResponse');
      expect(error.message).to.include('example.v1.ExportResponse').and.to.include('google.protobuf.Empty');
      // Also once the URL is cached from an earlier successful unpack.
      types.unpack(any);
      expect(mismatch(() => types.unpack(any, 'google.rpc.Status')).expected).to.equal('google.rpc.Status');
    });

    it('checks the type URL before decoding', () => {
      const garbage = anyOf('google.protobuf.Struct', new Uint8Array([0xff, 0xff]));
      const error = mismatch(() => types.unpack(garbage, 'google.protobuf.Empty'));
      expect(error.cause).to.equal(undefined);
      expect(error.message).to.include('google.protobuf.Struct');
    });

    it('reports a mismatch before an unknown type', () => {
      const error = mismatch(() => types.unpack(anyOf('other.v1.Unknown', new Uint8Array(0)), 'example.v1.ExportResponse'));
      expect(error.expected).to.equal('example.v1.ExportResponse');
      expect(error.message).to.include('other.v1.Unknown').and.to.include('example.v1.ExportResponse');
    });

    it('names the type URL of an unregistered type', () => {
      const error = mismatch(() => TypeRegistry.empty().unpack(anyOf('example.v1.ExportResponse', new Uint8Array(0))));
      expect(error.typeUrl).to.equal('type.googleapis.com/example.v1.ExportResponse');
      expect(error.expected).to.equal(undefined);
      expect(error.message).to.include('example.v1.ExportResponse').and.to.include('fromProtoFiles');
      const expected = mismatch(() => TypeRegistry.empty()
        .unpack(anyOf('example.v1.ExportResponse', new Uint8Array(0)), 'example.v1.ExportResponse'));
      expect(expected.expected).to.equal('example.v1.ExportResponse');
    });

    it('rejects a type URL that names no type', () => {
      for (const any of [{ typeUrl: '', value: new Uint8Array(0) }, { typeUrl: 'type.googleapis.com/', value: new Uint8Array(0) }, {}]) {
        expect(mismatch(() => types.unpack(any)).message).to.include('names no type');
      }
    });

    it('wraps bytes that do not decode in a TypeMismatchError with the cause', () => {
      const samples: [string, number[]][] = [
        ['truncated varint', [0x10, 0xff]],
        ['length past the end', [0x0a, 0x05, 0x61]],
        ['invalid wire type', [0x0f]],
        ['field number 0', [0x00, 0x01]],
        ['truncated nested message', [0x2a, 0x03, 0x0a, 0x05, 0x61]],
        ['truncated packed field', [0x3a, 0x04, 0x01]],
      ];
      for (const [label, bytes] of samples) {
        const error = mismatch(() => types.unpack(anyOf('example.v1.ExportMetadata', new Uint8Array(bytes)), 'example.v1.ExportMetadata'));
        expect(error.cause, label).to.be.instanceOf(Error);
        expect(error.typeUrl).to.equal('type.googleapis.com/example.v1.ExportMetadata');
        expect(error.expected).to.equal('example.v1.ExportMetadata');
        expect(error.message).to.include('does not decode as example.v1.ExportMetadata');
      }
    });

    it('refuses messages nested deeper than 100 levels', () => {
      // Value { list_value: ListValue { values: [ Value { ... } ] } }, 120 times.
      let value = protobuf.Writer.create().uint32((2 << 3) | 1).double(1).finish();
      for (let i = 0; i < 120; i++) {
        const list = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(value).finish();
        value = protobuf.Writer.create().uint32((6 << 3) | 2).bytes(list).finish();
      }
      const any = anyOf('google.protobuf.Value', value);
      const error = mismatch(() => TypeRegistry.empty().unpack(any));
      expect((error.cause as Error).message).to.include('nesting depth');
      expect(TypeRegistry.empty().unpack(anyOf('google.protobuf.Value', protobuf.Writer.create()
        .uint32((6 << 3) | 2).fork().uint32((1 << 3) | 2).fork().uint32((4 << 3) | 0).bool(true).ldelim().ldelim()
        .finish()))).to.deep.equal([true]);
    });

    it('rejects an Any that is not an object or whose value is not bytes', () => {
      expect(invalid(() => types.unpack(null as unknown as Any)).argument).to.equal('any');
      expect(invalid(() => types.unpack('x' as unknown as Any)).argument).to.equal('any');
      const error = invalid(() => types.unpack({ typeUrl: 'type.googleapis.com/google.protobuf.Empty', value: [1] } as unknown as Any));
      expect(error.argument).to.equal('any.value');
    });

    it('pack() throws TypeMismatchError for an unknown type', () => {
      const error = mismatch(() => TypeRegistry.empty().pack('example.v1.ExportResponse', {}));
      expect(error.typeUrl).to.equal('type.googleapis.com/example.v1.ExportResponse');
      expect(error.message).to.include('example.v1.ExportResponse');
    });

    it('pack() names the path of a value that does not fit', () => {
      expect(invalid(() => types.pack('example.v1.ExportResponse', 'text')).argument).to.equal('value');
      expect(invalid(() => types.pack('example.v1.ExportResponse', { chunks: {} })).argument).to.equal('value.chunks');
      expect(invalid(() => types.pack('example.v1.ExportResponse', { chunks: [{}, 3] })).argument).to.equal('value.chunks[1]');
      expect(invalid(() => types.pack('example.v1.ExportResponse', { labels: { a: () => 1 } })).argument).to.equal('value.labels.a');
      expect(invalid(() => types.pack('google.protobuf.Any', { typeUrl: 1 })).argument).to.equal('value');
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      expect(invalid(() => types.pack('google.protobuf.Struct', cyclic)).message).to.include('cyclic');
    });
  });

  describe('operationInfo()', () => {
    it('resolves unqualified names in the method\'s package', () => {
      expect(types.operationInfo('example.v1.ExportService.Export')).to.deep.equal({
        responseType: 'example.v1.ExportResponse',
        metadataType: 'example.v1.ExportMetadata',
      });
    });

    it('resolves fully qualified names from other packages', () => {
      expect(types.operationInfo('example.v1.ExportService.Purge')).to.deep.equal({
        responseType: 'google.protobuf.Empty',
        metadataType: 'example.v1.ExportMetadata',
      });
    });

    it('tries a dotted name relative to the package first', () => {
      expect(types.operationInfo('example.v1.ExportService.Archive')).to.deep.equal({
        responseType: 'example.v1.ExportResponse.Chunk',
        metadataType: 'google.protobuf.Struct',
      });
    });

    it('accepts a leading dot and the lowerCamel method name', () => {
      const expected = { responseType: 'example.v1.ExportResponse', metadataType: 'example.v1.ExportMetadata' };
      expect(types.operationInfo('.example.v1.ExportService.Export')).to.deep.equal(expected);
      expect(types.operationInfo('example.v1.ExportService.export')).to.deep.equal(expected);
    });

    it('reads the option from a Root built from JSON, with absolute names', () => {
      const descriptor = {
        nested: {
          a: {
            nested: {
              b: {
                nested: {
                  Done: { fields: {} },
                  Jobs: {
                    methods: {
                      Run: {
                        requestType: 'Done',
                        responseType: 'Done',
                        options: {
                          '(google.longrunning.operation_info).response_type': '.a.b.Done',
                          '(google.longrunning.operation_info).metadata_type': 'google.protobuf.Struct',
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      };
      // protobufjs' typings require `comment` on methods; its JSON format does not.
      const jsonRoot = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
      expect(TypeRegistry.fromRoot(jsonRoot).operationInfo('a.b.Jobs.Run'))
        .to.deep.equal({ responseType: 'a.b.Done', metadataType: 'google.protobuf.Struct' });
    });

    it('throws TypeMismatchError when a declared type is not registered', () => {
      const error = mismatch(() => types.operationInfo('example.v1.ExportService.Broken'));
      expect(error.typeUrl).to.equal('type.googleapis.com/example.v1.DoesNotExist');
      expect(error.expected).to.equal('example.v1.DoesNotExist');
      expect(error.message).to.include('response_type "DoesNotExist"');
    });

    it('throws InvalidArgumentError for a method without the option', () => {
      const error = invalid(() => types.operationInfo('example.v1.ExportService.Describe'));
      expect(error.argument).to.equal('methodName');
      expect(error.message).to.include('no google.longrunning.operation_info option');
    });

    it('throws InvalidArgumentError naming an unknown method', () => {
      const unknownMethod = invalid(() => types.operationInfo('example.v1.ExportService.Import'));
      expect(unknownMethod.value).to.equal('example.v1.ExportService.Import');
      expect(unknownMethod.message).to.include('one of Export, Purge');
      const unknownService = invalid(() => types.operationInfo('example.v1.ImportService.Import'));
      expect(unknownService.message).to.include('no service example.v1.ImportService');
      for (const name of ['', 'Export', 'example.v1.ExportService.', '.', 42]) {
        expect(invalid(() => types.operationInfo(name as string)).argument).to.equal('methodName');
      }
      expect(invalid(() => types.operationInfo('example.v1.ExportResponse.Chunk')).argument).to.equal('methodName');
      expect(invalid(() => TypeRegistry.empty().operationInfo('example.v1.ExportService.Export')).argument).to.equal('methodName');
    });
  });
});

describe('TypeRegistry and Anys read over HTTP/JSON', () => {
  it('unpacking an Any kept in its JSON form is a TypeMismatchError naming the type', () => {
    const any: Any = { typeUrl: 'type.googleapis.com/acme.v1.Thing', value: new Uint8Array(0), json: { size: '1' } };
    for (const expected of [undefined, 'acme.v1.Thing']) {
      const error = mismatch(() => TypeRegistry.empty().unpack(any, expected));
      expect(error.typeUrl).to.equal(any.typeUrl);
      expect(error.message).to.contain('acme.v1.Thing');
      expect(error.message).to.contain('HTTP/JSON');
    }
  });

  it('an Any with bytes unpacks as before even if json is set', () => {
    const types = TypeRegistry.empty();
    const packed = types.pack('google.rpc.ErrorInfo', { reason: 'R' });
    expect(types.unpack<{ reason: string }>({ ...packed, json: { reason: 'R' } }, 'google.rpc.ErrorInfo').reason).to.equal('R');
  });

  it('messageType: a type of the registry\'s own Root only', () => {
    const types = new TypeRegistry(loadProtoFiles([FIXTURE], [PROTOS]));
    expect(types.messageType('example.v1.ExportResponse')?.name).to.equal('ExportResponse');
    expect(types.messageType('.example.v1.ExportResponse')?.name).to.equal('ExportResponse');
    expect(types.messageType('example.v1.Nope')).to.equal(undefined);
    expect(types.messageType('example.v1.ExportService')).to.equal(undefined);
    expect(types.messageType('')).to.equal(undefined);
    expect(TypeRegistry.empty().messageType('google.rpc.ErrorInfo')).to.equal(undefined);
  });
});
