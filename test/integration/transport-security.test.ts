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
import { InvalidArgumentError, RpcError } from '../../src/errors.js';
import { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';
import { CHILD_DEADLINE_MS, childrenTimeoutMs } from '../helpers/children.js';
import { closedPort } from '../helpers/network.js';
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
      timeout: CHILD_DEADLINE_MS,
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

  it('builds the Google-auth channel through google-gax when only auth is given', async function () {
    this.timeout(childrenTimeoutMs(1));
    const dir = mkdtempSync(path.join(tmpdir(), 'lrc-tls-'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    writeFileSync(certFile, certificate.cert);
    writeFileSync(keyFile, certificate.key);
    const { stdout } = await runChild('auth-path-child.ts', [certFile, keyFile], { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certFile });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).to.deep.equal({ done: false, authorization: 'Bearer child-token' });
  });

  it('an insecure client never loads google-auth-library and its process exits on its own', async function () {
    this.timeout(childrenTimeoutMs(1));
    const { stdout, ms } = await runChild('insecure-child.ts', []);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).to.deep.equal({ googleAuthLoaded: false, gaxLoaded: false });
    // Start-up included, on a loaded machine; a leaked 60 s timer (a call deadline)
    // would keep it alive until the kill at CHILD_DEADLINE_MS.
    expect(ms, 'the child exits on its own once everything is closed').to.be.below(CHILD_DEADLINE_MS / 2);
  });

  describe('the first mistakes are typed errors that say what to do', () => {
    let plain: InMemoryOperationsServer;
    beforeEach(async () => {
      plain = await InMemoryOperationsServer.start();
    });
    afterEach(async () => {
      await plain.stop();
    });

    interface AdcOutcome {
      longRunningError: boolean; name: string; code: number | null; message: string; cause: string | null;
      serverCalls: number; blocked: string[];
    }
    /** The ADC child in an environment where google-auth can find no credentials without the network. */
    const adcChild = async (applicationCredentials: 'unset' | 'missing file'): Promise<AdcOutcome> => {
      const home = mkdtempSync(path.join(tmpdir(), 'lrc-adc-'));
      const env: Record<string, string> = { HOME: home, CLOUDSDK_CONFIG: home, APPDATA: home };
      if (applicationCredentials === 'missing file') env.GOOGLE_APPLICATION_CREDENTIALS = path.join(home, 'no-such-key.json');
      const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS; // runChild copies process.env
      try {
        const { stdout } = await runChild('adc-child.ts', [], env);
        return JSON.parse(stdout.trim().split('\n').pop()!) as AdcOutcome;
      } finally {
        if (saved !== undefined) process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
      }
    };

    for (const variant of ['unset', 'missing file'] as const) {
      it(`no transport option and no Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS ${variant}): RpcError UNAUTHENTICATED naming the fix`, async () => {
        const outcome = await adcChild(variant);
        expect(outcome).to.include({ longRunningError: true, name: 'RpcError', code: 16, serverCalls: 0 });
        expect(outcome.blocked, 'google-auth tried no host but loopback').to.deep.equal([]);
        expect(outcome.message).to.match(/^GetOperation failed with UNAUTHENTICATED: /);
        expect(outcome.message).to.include('Application Default Credentials').and.include('`insecure: true`').and.include('`credentials`');
        expect(outcome.cause, 'google-auth\'s own error is the cause').to.match(variant === 'unset' ? /Could not load the default credentials/ : /does not exist/);
      });
    }

    it('a TLS client against a plaintext server: RpcError UNAVAILABLE saying the server does not speak TLS, not retried', async () => {
      // createSsl() without a CA: the handshake fails against the plaintext server either way.
      const address = plain.address;
      const client = new OperationsClient({
        address,
        credentials: grpc.credentials.createSsl(),
        // Node warns (DEP0123) about an IP address as TLS server name; "localhost" could
        // also resolve to an ::1 that refuses, and grpc-js would report that instead.
        channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
        timeoutMs: 20_000,
      });
      try {
        const error = await client.getOperation({ name: 'operations/x' }).catch((e: unknown) => e) as RpcError;
        expect(error).to.be.instanceOf(RpcError).with.property('code', UNAVAILABLE);
        expect(error.message).to.equal(`GetOperation failed with UNAVAILABLE: the server at ${address} does not speak TLS ` +
          '(the TLS handshake failed: wrong version number). For a plaintext server pass `insecure: true` (`--insecure` in the CLI)');
        expect(error.attempts, 'retrying cannot make it speak TLS').to.equal(1);
        expect((error.cause as grpc.ServiceError).details, 'grpc-js\'s error is the cause').to.include('wrong version number');
        expect(plain.calls).to.have.length(0);
      } finally {
        await client.close();
      }
    });

    it('connection errors lose grpc-js\'s empty "Resolution note:" stub', async () => {
      const client = new OperationsClient({ address: `127.0.0.1:${await closedPort()}`, insecure: true, retry: false, timeoutMs: 5_000 });
      try {
        const error = await client.getOperation({ name: 'operations/x' }).catch((e: unknown) => e) as RpcError;
        expect(error).to.be.instanceOf(RpcError);
        expect(error.message).not.to.match(/Resolution note:\s*$/);
      } finally {
        await client.close();
      }
    });
  });

  describe('credentials and plaintext', () => {
    let plain: InMemoryOperationsServer;
    beforeEach(async () => {
      plain = await InMemoryOperationsServer.start();
    });
    afterEach(async () => {
      await plain.stop();
    });

    const bearerAuth = (token: string) => {
      const auth = new gax.googleAuthLibrary.OAuth2Client();
      auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
      return auth;
    };

    it('refuses an auth client on a plaintext channel unless allowInsecureCredentials is set', async () => {
      expect(() => new OperationsClient({ address: plain.address, insecure: true, auth: bearerAuth('secret-1') }))
        .to.throw(InvalidArgumentError, 'allowInsecureCredentials');
      const client = new OperationsClient({ address: plain.address, insecure: true, auth: bearerAuth('secret-1'), allowInsecureCredentials: true });
      try {
        const name = plain.createOperation();
        await client.getOperation({ name });
        expect(plain.calls[0]?.metadata.authorization).to.equal('Bearer secret-1');
      } finally {
        await client.close();
      }
    });

    it('refuses credential metadata on a plaintext channel, naming the header but never its value, and sends nothing', async () => {
      const client = new OperationsClient({ address: plain.address, insecure: true });
      try {
        const name = plain.createOperation();
        for (const key of ['authorization', 'x-goog-api-key', 'cookie']) {
          const error = await client.getOperation({ name }, { metadata: { [key]: 'Bearer secret-2' } }).catch((e: unknown) => e);
          expect(error).to.be.instanceOf(InvalidArgumentError).with.property('value', key);
          expect(JSON.stringify(error) + String(error) + (error as Error).stack).to.not.contain('secret-2');
        }
        expect(plain.calls).to.have.length(0);
      } finally {
        await client.close();
      }
      const allowed = new OperationsClient({ address: plain.address, insecure: true, allowInsecureCredentials: true });
      try {
        const name = plain.createOperation();
        await allowed.getOperation({ name }, { metadata: { authorization: 'Bearer secret-3' } });
        expect(plain.calls[0]?.metadata.authorization).to.equal('Bearer secret-3');
      } finally {
        await allowed.close();
      }
    });

    it('applies the credential rule to the client-level metadata at construction', async () => {
      const error = (() => {
        try {
          return new OperationsClient({ address: plain.address, insecure: true, metadata: { authorization: 'Bearer secret-5' } });
        } catch (e) {
          return e;
        }
      })();
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property('value', 'authorization');
      expect(String(error) + (error as Error).stack).to.not.contain('secret-5');
      const allowed = new OperationsClient({
        address: plain.address, insecure: true, allowInsecureCredentials: true, metadata: { authorization: 'Bearer secret-6' },
      });
      try {
        const name = plain.createOperation();
        await allowed.getOperation({ name });
        expect(plain.calls.at(-1)?.metadata.authorization).to.equal('Bearer secret-6');
      } finally {
        await allowed.close();
      }
    });

    it('never echoes a metadata value in a validation error', async () => {
      const client = new OperationsClient({ address: plain.address, insecure: true, allowInsecureCredentials: true });
      try {
        const error = await client.getOperation({ name: 'operations/x' }, { metadata: { authorization: 'Bearer secret-4\n' } })
          .catch((e: unknown) => e) as InvalidArgumentError;
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.argument).to.equal('options.metadata.authorization');
        expect(`${error.message} ${String(error.value)} ${error.stack}`).to.not.contain('secret-4');
      } finally {
        await client.close();
      }
    });

    it('limits the size of received messages: larger than the limit is RESOURCE_EXHAUSTED; the default takes a 5 MB page', async () => {
      const metadata = { typeUrl: 'type.googleapis.com/google.protobuf.BytesValue', value: new Uint8Array(10_000) };
      for (let i = 0; i < 500; i++) plain.createOperation({ metadata });
      const small = new OperationsClient({ address: plain.address, insecure: true, maxReceiveMessageBytes: 100_000, retry: false });
      const roomy = new OperationsClient({ address: plain.address, insecure: true });
      try {
        const error = await small.listOperations({ name: 'operations', pageSize: 500 }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(RpcError).with.property('code', 8);
        const page = await roomy.listOperations({ name: 'operations', pageSize: 500 });
        expect(page.operations).to.have.length(500);
      } finally {
        await small.close();
        await roomy.close();
      }
      expect(() => new OperationsClient({ address: plain.address, insecure: true, maxSendMessageBytes: 0 }))
        .to.throw(InvalidArgumentError, 'maxSendMessageBytes');
    });
  });
});
