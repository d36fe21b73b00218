/**
 * Mocha root hooks for every test file:
 * - the network rule: google-auth-library must not probe the metadata server, and any
 *   socket connection to a host other than loopback throws (and is recorded);
 * - a test during which an unhandled rejection happened fails (a lost result).
 */
import net from 'node:net';

process.env.METADATA_SERVER_DETECTION = 'none';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);
const blockedConnections: string[] = [];

/** The host a `socket.connect(...)` call targets; undefined for IPC paths. */
function connectHost(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path !== undefined) return undefined;
    return options.host ?? 'localhost';
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return typeof second === 'string' ? second : 'localhost';
  }
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied below with the socket as `this`
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = connectHost(args);
  if (host !== undefined && !LOOPBACK.has(host)) {
    blockedConnections.push(host);
    throw new Error(`Network rule: a test tried to connect to ${host}; only loopback is allowed.`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
};

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    const problems: string[] = [];
    if (unhandled.length > 0) {
      problems.push(`unhandled rejection(s): ${unhandled.splice(0).map(String).join('; ')}`);
    }
    if (blockedConnections.length > 0) {
      problems.push(`non-loopback connection attempt(s): ${blockedConnections.splice(0).join(', ')}`);
    }
    if (problems.length > 0) {
      (this.test as Mocha.Hook | undefined)?.error(new Error(`During this test: ${problems.join('; ')}`));
    }
  },
};
