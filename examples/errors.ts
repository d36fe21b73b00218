// Errors: every failure is a typed error. Branch with `instanceof`, read the fields, and
// unpack the google.rpc error details an operation failed with.
import {
  OperationCancelledError, OperationFailedError, OperationsClient, PollTimeoutError, RpcError,
  TypeMismatchError, TypeRegistry, codeName, typeNameOf, type Status,
} from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

const types = TypeRegistry.empty(); // knows the google.rpc error details without registration

interface ErrorInfo { reason: string; domain: string; metadata: Record<string, string> }
interface Help { links: { description: string; url: string }[] }

/** One line per detail a program can act on; details of other types are skipped. */
function describeDetails(status: Status): string[] {
  return status.details.flatMap((detail) => {
    switch (typeNameOf(detail.typeUrl)) {
      case 'google.rpc.ErrorInfo': {
        const info = types.unpack<ErrorInfo>(detail, 'google.rpc.ErrorInfo');
        return [`ErrorInfo: ${info.reason} from ${info.domain} ${JSON.stringify(info.metadata)}`];
      }
      case 'google.rpc.Help': {
        const help = types.unpack<Help>(detail, 'google.rpc.Help');
        return help.links.map((link) => `Help: ${link.description} <${link.url}>`);
      }
      default:
        return [];
    }
  });
}

function explain(error: unknown): string[] {
  if (error instanceof OperationCancelledError) {
    return [`cancelled: ${error.operationName}`];
  }
  if (error instanceof OperationFailedError) {
    return [`operation failed: ${codeName(error.code)}: ${error.status.message}`, ...describeDetails(error.status).map((line) => `  ${line}`)];
  }
  if (error instanceof PollTimeoutError) {
    return [`gave up waiting for ${error.operationName}; it may still be running`];
  }
  if (error instanceof RpcError) {
    return [`RPC failed: ${error.method} ${codeName(error.code)} after ${error.attempts} attempt(s)`];
  }
  if (error instanceof TypeMismatchError) {
    return [`unexpected type: ${error.typeUrl}, expected ${error.expected}`];
  }
  throw error; // not the SDK's: e.g. an AbortSignal's reason
}

const server = await InMemoryOperationsServer.start();
const client = new OperationsClient({ address: server.address, insecure: true });

async function attempt(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    for (const line of explain(error)) console.log(line);
  }
}

// 1. The operation itself fails, with error details.
const failing = server.createOperation();
server.script(failing, [{
  afterMs: 20,
  error: {
    code: 9,
    message: 'bucket gs://exports does not exist',
    details: [
      types.pack('google.rpc.ErrorInfo', { reason: 'BUCKET_NOT_FOUND', domain: 'storage.example.com', metadata: { bucket: 'exports' } }),
      types.pack('google.rpc.Help', { links: [{ description: 'Create the bucket first', url: 'https://example.com/docs/buckets' }] }),
    ],
  },
}]);
await attempt(() => client.operation(failing).promise());

// 2. An RPC fails: there is no such operation.
await attempt(() => client.getOperation({ name: 'operations/does-not-exist' }));

// 3. The result is not of the type the code expects.
const mistyped = server.createOperation({ response: types.pack('google.protobuf.Empty', {}) });
await attempt(() => client.operation(mistyped, { responseType: 'google.protobuf.Struct' }).promise());

await client.close();
await server.stop();
