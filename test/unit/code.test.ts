import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { Code, codeName } from '../../src/code.js';
import { isTransientForCall, TRANSIENT_POLLING_CODES } from '../../src/transient.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('Code', () => {
  it('names exactly the gRPC status codes, with grpc-js numbering', () => {
    const grpcCodes = Object.fromEntries(Object.entries(grpc.status).filter(([, value]) => typeof value === 'number'));
    expect({ ...Code }).to.deep.equal(grpcCodes);
    expect(Object.values(Code)).to.deep.equal(range(17));
  });

  it('is frozen', () => {
    expect(Object.isFrozen(Code)).to.equal(true);
  });

  it('codeName is the inverse of Code, CODE_<n> for anything else', () => {
    for (const [name, code] of Object.entries(Code)) expect(codeName(code)).to.equal(name);
    expect(codeName(17)).to.equal('CODE_17');
    expect(codeName(-1)).to.equal('CODE_-1');
    expect(codeName(1.5)).to.equal('CODE_1.5');
    expect(codeName(Symbol('x') as never)).to.equal('CODE_Symbol(x)');
  });
});

describe('transient codes', () => {
  it('a call retries UNAVAILABLE, and DEADLINE_EXCEEDED only while its deadline has time left', () => {
    expect(range(20).filter((code) => isTransientForCall(code, 1))).to.deep.equal([Code.DEADLINE_EXCEEDED, Code.UNAVAILABLE]);
    expect(range(20).filter((code) => isTransientForCall(code, 0))).to.deep.equal([Code.UNAVAILABLE]);
    expect(range(20).filter((code) => isTransientForCall(code, -5))).to.deep.equal([Code.UNAVAILABLE]);
  });

  it('the poll loop carries on after seven codes, a superset of what a call retries', () => {
    expect([...TRANSIENT_POLLING_CODES].sort((a, b) => a - b)).to.deep.equal([
      Code.CANCELLED, Code.UNKNOWN, Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.ABORTED, Code.INTERNAL,
      Code.UNAVAILABLE,
    ]);
    for (const code of range(20).filter((c) => isTransientForCall(c, 1))) {
      expect(TRANSIENT_POLLING_CODES.has(code), codeName(code)).to.equal(true);
    }
    // Ends the wait: the operation is gone or out of reach (UNIMPLEMENTED is handled apart).
    for (const code of [Code.NOT_FOUND, Code.PERMISSION_DENIED, Code.INVALID_ARGUMENT, Code.UNAUTHENTICATED, Code.UNIMPLEMENTED]) {
      expect(TRANSIENT_POLLING_CODES.has(code), codeName(code)).to.equal(false);
    }
  });
});
