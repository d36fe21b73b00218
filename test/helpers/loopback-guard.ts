/**
 * The network rule, enforced: any socket connection to a host other than loopback
 * throws. Installed by test/setup.ts for every mocha run and first thing by every bench
 * program, on top of METADATA_SERVER_DETECTION=none and gax clients that cannot look
 * for credentials.
 */
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

/**
 * The host a `socket.connect(...)` call targets; undefined for IPC paths. `net.connect()`
 * and `tls.connect()` hand the socket their already normalized arguments as one array
 * (`[options, callback]`), so an array is looked into, not taken for options.
 */
export function connectHost(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (Array.isArray(first)) return connectHost(first);
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

/**
 * Patches `net.Socket.prototype.connect` (once per process). `onBlocked` hears of each
 * refused host before the connect throws, e.g. to fail the test that caused it.
 */
export function installLoopbackGuard(who = 'a benchmark', onBlocked?: (host: string) => void): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied below with the socket as `this`
  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const host = connectHost(args);
    if (host !== undefined && !LOOPBACK.has(host)) {
      onBlocked?.(host);
      throw new Error(`Network rule: ${who} tried to connect to ${host}; only loopback is allowed.`);
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
}
