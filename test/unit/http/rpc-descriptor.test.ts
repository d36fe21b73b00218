import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { generateRpcDescriptor, RPC_DESCRIPTOR_PATH } from '../../../scripts/gen-rpc-descriptor.js';

describe('http/rpc-descriptor', () => {
  it('the checked-in file equals a fresh generation from google-gax\'s protos (run `npx tsx scripts/gen-rpc-descriptor.ts`)', () => {
    const checkedIn = readFileSync(fileURLToPath(new URL(`../../../${RPC_DESCRIPTOR_PATH}`, import.meta.url)), 'utf8');
    expect(checkedIn).to.equal(generateRpcDescriptor());
  });

  it('holds google.rpc.Status and the standard error details', () => {
    const text = generateRpcDescriptor();
    for (const name of ['Status', 'RetryInfo', 'ErrorInfo', 'BadRequest', 'DebugInfo', 'QuotaFailure', 'PreconditionFailure', 'ResourceInfo', 'Help', 'LocalizedMessage', 'RequestInfo']) {
      expect(text, name).to.contain(`"${name}": {`);
    }
  });
});
