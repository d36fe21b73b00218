/**
 * Property test of Operation shape normalization (src/operation/normalize.ts): every
 * Operation, rendered in any of the shapes other Node libraries produce (API.md: an
 * Any's type URL as `typeUrl` or `type_url`, bytes as Uint8Array or Buffer (pooled,
 * with an offset), with or without the `result` oneof marker, absent fields missing,
 * `undefined` or `null`, defaults on a protobufjs message prototype), normalizes back
 * to exactly the original, with plain Uint8Array bytes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { normalizeOperation } from '../../src/operation/normalize.js';
import type { Any, Operation, Status } from '../../src/types.js';

const RUNS = { numRuns: 200 };

const anyArb: fc.Arbitrary<Any> = fc.record({ typeUrl: fc.string({ maxLength: 40 }), value: fc.uint8Array({ maxLength: 24 }) });
const statusArb: fc.Arbitrary<Status> = fc.record({
  code: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.nat()),
  message: fc.string({ maxLength: 20 }),
  details: fc.array(anyArb, { maxLength: 3 }),
});

/** An Operation in the SDK's own shape: no key for an absent field, at most one of error and response. */
const operationArb: fc.Arbitrary<Operation> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 30 }),
  done: fc.boolean(),
  metadata: fc.option(anyArb, { nil: undefined }),
  result: fc.oneof(
    fc.constant(undefined),
    statusArb.map((error) => ({ error })),
    anyArb.map((response) => ({ response })),
  ),
}).map(({ name, done, metadata, result }) => {
  const operation: Operation = { name, done };
  if (metadata) operation.metadata = metadata;
  if (result) Object.assign(operation, result);
  return operation;
});

/** How one foreign rendering spells things. */
interface Style {
  url: 'typeUrl' | 'type_url' | 'type_url with typeUrl null';
  bytes: 'Uint8Array' | 'Buffer' | 'pooled Buffer' | 'offset view';
  emptyBytes: 'keep' | 'omit' | 'null';
  absent: 'missing' | 'undefined' | 'null' | 'prototype';
  marker: boolean;
  /** With the marker, also set the other oneof member: the marker must decide. */
  decoy: boolean;
  falseDone: 'false' | 'omit' | 'null';
  statusDefaults: 'keep' | 'omit' | 'null';
}

const styleArb: fc.Arbitrary<Style> = fc.record({
  url: fc.constantFrom('typeUrl', 'type_url', 'type_url with typeUrl null'),
  bytes: fc.constantFrom('Uint8Array', 'Buffer', 'pooled Buffer', 'offset view'),
  emptyBytes: fc.constantFrom('keep', 'omit', 'null'),
  absent: fc.constantFrom('missing', 'undefined', 'null', 'prototype'),
  marker: fc.boolean(),
  decoy: fc.boolean(),
  falseDone: fc.constantFrom('false', 'omit', 'null'),
  statusDefaults: fc.constantFrom('keep', 'omit', 'null'),
});

function renderBytes(bytes: Uint8Array, style: Style): Uint8Array {
  switch (style.bytes) {
    case 'Uint8Array': return Uint8Array.from(bytes);
    case 'Buffer': return Buffer.alloc(bytes.length, bytes);
    case 'pooled Buffer': return Buffer.from(Array.from(bytes)); // small Buffers share a pool: non-zero offset
    case 'offset view': {
      const backing = new Uint8Array(bytes.length + 7);
      backing.set(bytes, 3);
      return backing.subarray(3, 3 + bytes.length);
    }
  }
}

function renderAny(any: Any, style: Style): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  if (style.url === 'typeUrl') rendered.typeUrl = any.typeUrl;
  else if (style.url === 'type_url') rendered.type_url = any.typeUrl;
  else Object.assign(rendered, { typeUrl: null, type_url: any.typeUrl });
  if (any.value.length > 0 || style.emptyBytes === 'keep') rendered.value = renderBytes(any.value, style);
  else if (style.emptyBytes === 'null') rendered.value = null;
  return rendered;
}

function renderStatus(status: Status, style: Style): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  const put = (key: string, value: unknown, isDefault: boolean) => {
    if (!isDefault || style.statusDefaults === 'keep') rendered[key] = value;
    else if (style.statusDefaults === 'null') rendered[key] = null;
  };
  put('code', status.code, status.code === 0);
  put('message', status.message, status.message === '');
  put('details', status.details.map((detail) => renderAny(detail, style)), status.details.length === 0);
  return rendered;
}

/** The Operation as another library would hand it over. */
function render(operation: Operation, style: Style): Record<string, unknown> {
  const own: Record<string, unknown> = { name: operation.name };
  const defaults: Record<string, unknown> = {};
  if (operation.done) own.done = true;
  else if (style.falseDone === 'false') own.done = false;
  else if (style.falseDone === 'null') own.done = null;
  const absent = (key: string) => {
    if (style.absent === 'undefined') own[key] = undefined;
    else if (style.absent === 'null') own[key] = null;
    else if (style.absent === 'prototype') defaults[key] = null; // protobufjs message defaults
  };
  if (operation.metadata) own.metadata = renderAny(operation.metadata, style);
  else absent('metadata');
  if (operation.error) own.error = renderStatus(operation.error, style);
  else absent('error');
  if (operation.response) own.response = renderAny(operation.response, style);
  else absent('response');
  const which = operation.error ? 'error' : operation.response ? 'response' : undefined;
  if (which !== undefined && style.marker) {
    own.result = which;
    if (style.decoy) {
      // The other member set too: protobufjs' marker says which one counts.
      if (which === 'error') own.response = { typeUrl: 'type.googleapis.com/decoy.Response', value: new Uint8Array([1]) };
      else own.error = { code: 13, message: 'decoy', details: [] };
    }
  }
  return style.absent === 'prototype' ? Object.assign(Object.create(defaults) as object, own) : own;
}

function anysOf(operation: Operation): Any[] {
  return [
    ...(operation.metadata ? [operation.metadata] : []),
    ...(operation.response ? [operation.response] : []),
    ...(operation.error?.details ?? []),
  ];
}

describe('normalizeOperation (property)', () => {
  it('is lossless for every accepted shape: normalize(render(op)) deep-equals op, with plain Uint8Array bytes', () => {
    fc.assert(fc.property(operationArb, styleArb, (operation, style) => {
      const normalized = normalizeOperation(render(operation, style), 'operation');
      expect(normalized).to.deep.equal(operation);
      expect(Object.keys(normalized).sort(), 'no key for an absent field').to.deep.equal(Object.keys(operation).sort());
      for (const any of anysOf(normalized)) {
        expect(Object.getPrototypeOf(any.value), 'a plain Uint8Array, not a Buffer').to.equal(Uint8Array.prototype);
      }
    }), RUNS);
  });

  it('is idempotent: normalizing its own output changes nothing', () => {
    fc.assert(fc.property(operationArb, styleArb, (operation, style) => {
      const once = normalizeOperation(render(operation, style), 'operation');
      expect(normalizeOperation(once, 'operation')).to.deep.equal(once);
    }), RUNS);
  });
});
