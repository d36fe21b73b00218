/** A self-signed certificate for localhost / 127.0.0.1, made at test time. */
import * as grpc from '@grpc/grpc-js';
import { generate } from 'selfsigned';

export interface TestCertificate { cert: string; key: string }

export async function makeTestCertificate(): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    days: 1,
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  } as never);
  return { cert: pems.cert, key: pems.private };
}

export function tlsServerCredentials({ cert, key }: TestCertificate): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }], false);
}
