/**
 * A small HTTP server that is not ours: it answers each request with whatever the test
 * scripted (a proxy's HTML 502, JSON cut off mid-body, a 200 that is no Operation, a
 * request it never answers), the way real servers and the boxes in front of them can.
 * It binds 127.0.0.1:0 and records every request it got.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface ReceivedRequest { readonly method: string; readonly url: string; readonly headers: http.IncomingHttpHeaders; readonly body: string }

/**
 * How to answer: a status with a body (and headers), `'hang'` (never answer, until the
 * client gives up), or `'cut'` (send the headers and part of a body, then drop the socket).
 */
export type ScriptedAnswer =
  | { readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> }
  | 'hang'
  | 'cut';

/** A started scripted server. */
export interface ScriptedHttpServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly received: readonly ReceivedRequest[];
  /** Closes the listener and every connection, hanging ones included. */
  stop(): Promise<void>;
}

/** Starts a server answering every request with `answer(request)`. */
export async function startScriptedHttpServer(answer: (request: ReceivedRequest) => ScriptedAnswer): Promise<ScriptedHttpServer> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: ReceivedRequest = {
        method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const scripted = answer(request);
      if (scripted === 'hang') return;
      if (scripted === 'cut') {
        outgoing.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        outgoing.write('{"name": "operations/cut", "do', () => outgoing.socket?.destroy());
        return;
      }
      outgoing.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      outgoing.end(scripted.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
