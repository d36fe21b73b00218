/**
 * Transport security: TLS by default, custom CA credentials, Google auth through
 * google-gax (bearer token reaches the server), and the insecure path never loading
 * google-auth-library. Certificates are made at test time; everything is loopback.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gax from 'google-gax';
import { OperationsClient } from '../../src/client/operations-client.js';
import { RpcError } from '../../src/errors.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { makeTestCertificate, tlsServerCredentials, type TestCertificate } from '../helpers/tls.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const UNAVAILABLE = 14;

/** Runs a TypeScript child script with tsx; resolves its stdout, rejects on a non-zero exit. */
function runChild(script: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; ms: number }> {
  const started = Date.now();
  // Children do not report coverage: c8 would merge their partial runs of the same
  // files into the parent's and undercount. Node re-adds NODE_V8_COVERAGE to a
  // child's env unless the key is present, so it is set to '' (disabled).
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(here, '..', 'helpers', script), ...args], {
      env: { ...process.env, NODE_V8_COVERAGE: '', METADATA_SERVER_DETECTION: 'none', ...env },
      timeout: 15_000,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, ms: Date.now() - started });
    });
  });
}

describe('transport security (integration)', function () {
  this.timeout(20_000);
  let certificate: TestCertificate;
  let server: InMemoryOperationsServer;

  before(async () => {
    certificate = await makeTestCertificate();
  });

  beforeEach(async () => {
    server = await InMemoryOperationsServer.start({ credentials: tlsServerCredentials(certificate) });
  });

  afterEach(async () => {
    await server.stop();
  });

  it('connects over TLS with custom credentials trusting the test CA', async () => {
    const client = new OperationsClient({
      address: `localhost:${server.port}`,
      credentials: grpc.credentials.createSsl(Buffer.from(certificate.cert)),
    });
    try {
      const name = server.createOperation();
      expect((await client.getOperation({ name })).name).to.equal(name);
    } finally {
      await client.close();
    }
  });

  it('refuses a server whose certificate it does not trust, with a clear UNAVAILABLE RpcError', async () => {
    const client = new OperationsClient({
      address: `localhost:${server.port}`,
      credentials: grpc.credentials.createSsl(),
      retry: false,
    });
    try {
      const error = await client.getOperation({ name: 'operations/x' }).catch((e: unknown) => e) as RpcError;
      expect(error).to.be.instanceOf(RpcError);
      expect(error.code).to.equal(UNAVAILABLE);
      expect(error.message).to.match(/certificate/i);
      expect(server.calls).to.have.length(0);
    } finally {
      await client.close();
    }
  });

  it('a plaintext client cannot talk to a TLS server', async () => {
    const client = new OperationsClient({ address: server.address, insecure: true, retry: false, timeoutMs: 3_000 });
    try {
      const error = await client.getOperation({ name: 'operations/x' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcError);
      expect(server.calls).to.have.length(0);
    } finally {
      await client.close();
    }
  });

  it('sends the bearer token of an explicit auth client over custom TLS', async () => {
    const auth = new gax.googleAuthLibrary.OAuth2Client();
    auth.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
    const client = new OperationsClient({
      address: `localhost:${server.port}`,
      credentials: grpc.credentials.createSsl(Buffer.from(certificate.cert)),
      auth,
    });
    try {
      const name = server.createOperation();
      await client.getOperation({ name });
      expect(server.calls[0]?.metadata.authorization).to.equal('Bearer test-token');
    } finally {
      await client.close();
    }
  });

  it('builds the Google-auth channel through google-gax when only auth is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lrc-tls-'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    writeFileSync(certFile, certificate.cert);
    writeFileSync(keyFile, certificate.key);
    const { stdout } = await runChild('auth-path-child.ts', [certFile, keyFile], { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certFile });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).to.deep.equal({ done: false, authorization: 'Bearer child-token' });
  });

  it('an insecure client never loads google-auth-library and its process exits on its own', async () => {
    const { stdout, ms } = await runChild('insecure-child.ts', []);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).to.deep.equal({ googleAuthLoaded: false, gaxLoaded: false });
    expect(ms, 'the child exits promptly once everything is closed').to.be.below(10_000);
  });
});
