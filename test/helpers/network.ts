/**
 * Loopback network fixtures for tests and benchmarks: a port where nothing listens, and
 * a TCP proxy that can drop every connection for a while (a server restart or a broken
 * network path, as the client sees it).
 */
import net from 'node:net';

/** A port on 127.0.0.1 where nothing listens (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A proxy in front of a loopback server; see {@link startDroppingProxy}. */
export interface DroppingProxy {
  /** `127.0.0.1:PORT`: where clients connect. */
  readonly address: string;
  /** Connections accepted and dropped while down: the client's connection attempts. */
  readonly attemptsWhileDown: number;
  /** Drops every open connection, and every new one until `up()`. */
  down(): void;
  /** Forwards new connections again. */
  up(): void;
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on 127.0.0.1 that forwards to `127.0.0.1:targetPort` while up and,
 * while down, accepts each connection and destroys it at once, counting it.
 */
export async function startDroppingProxy(targetPort: number): Promise<DroppingProxy> {
  let isUp = true;
  let attemptsWhileDown = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((socket) => {
    track(socket);
    if (!isUp) {
      attemptsWhileDown++;
      socket.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    track(upstream);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get attemptsWhileDown() {
      return attemptsWhileDown;
    },
    down() {
      isUp = false;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isUp = true;
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
