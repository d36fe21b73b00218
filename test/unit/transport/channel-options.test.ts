/**
 * The channel options the gRPC transport gives grpc-js: reconnection after an outage
 * must not wait for grpc-js's 120 s backoff cap (issue 9, item 9).
 */
import { expect } from 'chai';
import { GrpcOperationsTransport } from '../../../src/transport/grpc-transport.js';

describe('GrpcOperationsTransport channel options', () => {
  it('reconnects with a backoff of 1 s growing to at most 3 s, so a returning server is seen within seconds', async () => {
    const transport = new GrpcOperationsTransport({ address: '127.0.0.1:9', insecure: true });
    try {
      expect(transport.channelOptions['grpc.initial_reconnect_backoff_ms']).to.equal(1_000);
      expect(transport.channelOptions['grpc.max_reconnect_backoff_ms']).to.equal(3_000);
    } finally {
      await transport.close();
    }
  });

  it("the user's channelOptions override the SDK's", async () => {
    const transport = new GrpcOperationsTransport({
      address: '127.0.0.1:9', insecure: true, channelOptions: { 'grpc.max_reconnect_backoff_ms': 120_000 },
    });
    try {
      expect(transport.channelOptions['grpc.max_reconnect_backoff_ms']).to.equal(120_000);
      expect(transport.channelOptions['grpc.initial_reconnect_backoff_ms']).to.equal(1_000);
    } finally {
      await transport.close();
    }
  });
});
