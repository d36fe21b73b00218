/**
 * The network rule's guard must see the host of every way a socket connects, or it
 * lets traffic out. Checked on the argument shapes alone: nothing connects here.
 */
import { expect } from 'chai';
import { connectHost } from '../../helpers/loopback-guard.js';

describe('loopback guard: connectHost', () => {
  const cases: Array<[string, unknown[], string | undefined]> = [
    ['socket.connect(port, host)', [443, '203.0.113.1'], '203.0.113.1'],
    ['socket.connect("443", host)', ['443', '203.0.113.1'], '203.0.113.1'],
    ['socket.connect(port)', [443], 'localhost'],
    ['socket.connect({ host, port })', [{ host: '203.0.113.1', port: 443 }], '203.0.113.1'],
    ['socket.connect({ port })', [{ port: 443 }], 'localhost'],
    ['socket.connect({ path }) (IPC)', [{ path: '/tmp/socket' }], undefined],
    ['net.connect(port, host): normalized [options, cb] array', [[{ port: 443, host: '203.0.113.1' }, null]], '203.0.113.1'],
    ['tls.connect({ host, port }): normalized array', [[{ host: 'example.com', port: 443 }]], 'example.com'],
    ['a loopback host', [[{ host: '127.0.0.1', port: 50051 }]], '127.0.0.1'],
  ];
  for (const [label, args, host] of cases) {
    it(`${label} -> ${String(host)}`, () => {
      expect(connectHost(args)).to.equal(host);
    });
  }
});
