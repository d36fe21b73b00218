/**
 * The network rule, enforced: any socket connection to a host other than loopback
 * throws. Installed first thing by every bench program (as test/setup.ts does for
 * mocha), on top of METADATA_SERVER_DETECTION=none and gax clients that cannot look
 * for credentials.
 */
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

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

let installed = false;

export function installLoopbackGuard(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied below with the socket as `this`
  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = connectHost(args);
    if (host !== undefined && !LOOPBACK.has(host)) {
      throw new Error(`Network rule: a benchmark tried to connect to ${host}; only loopback is allowed.`);
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
}
