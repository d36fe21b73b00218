import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { GrpcOperationsTransport, parseAddress } from '../../../src/transport/grpc-transport.js';

describe('parseAddress', () => {
  const good: Array<[string, string, number]> = [
    ['localhost:50051', 'localhost', 50051],
    ['speech.googleapis.com', 'speech.googleapis.com', 443],
    ['127.0.0.1:1', '127.0.0.1', 1],
    ['[::1]:8080', '::1', 8080],
    ['[::1]', '::1', 443],
  ];
  for (const [address, host, port] of good) {
    it(`parses ${address}`, () => {
      expect(parseAddress(address)).to.deep.equal({ host, port });
    });
  }

  for (const bad of ['', 'host:', 'host:0', 'host:65536', 'https://host:443', 'a b:1', '::1:80', 'user@host:1', 7, null]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseAddress(bad)).to.throw(InvalidArgumentError, 'address');
    });
  }

  it('brackets IPv6 targets for grpc-js', async () => {
    const transport = new GrpcOperationsTransport({ address: '[::1]:9', insecure: true });
    expect(transport.target).to.equal('[::1]:9');
    await transport.close();
  });
});
