// Await a typed result: the response and metadata types come from the
// `google.longrunning.operation_info` option of the method that started the operation,
// read from your .proto files by a TypeRegistry.
import { fileURLToPath } from 'node:url';
import { OperationsClient, TypeRegistry } from 'longrunning-client';
import { InMemoryOperationsServer } from 'longrunning-client/testing';

// example.v1.ExportResponse and ExportMetadata as the registry unpacks them:
// camelCase fields, 64-bit integers as decimal strings, enums by name.
interface ExportResponse {
  destination: string;
  chunks: { uri: string; sizeBytes: string }[];
  totalBytes: string;
}
interface ExportMetadata {
  state: 'STATE_UNSPECIFIED' | 'RUNNING' | 'FINISHING';
  processedBytes: string;
}

const protoDir = fileURLToPath(new URL('../test/fixtures/protos', import.meta.url));
const types = await TypeRegistry.fromProtoFiles(['example/v1/service.proto'], { includeDirs: [protoDir] });

// A stand-in for an ExportService whose Export call finishes about 50 ms from now.
const server = await InMemoryOperationsServer.start();
const name = server.createOperation({
  metadata: types.pack('example.v1.ExportMetadata', { state: 'RUNNING', processedBytes: 0 }),
});
server.script(name, [{
  afterMs: 50,
  done: true,
  metadata: types.pack('example.v1.ExportMetadata', { state: 'FINISHING', processedBytes: 3072 }),
  response: types.pack('example.v1.ExportResponse', {
    destination: 'gs://exports/2024-06',
    chunks: [
      { uri: 'gs://exports/2024-06/part-0', sizeBytes: 2048 },
      { uri: 'gs://exports/2024-06/part-1', sizeBytes: 1024 },
    ],
    totalBytes: 3072,
  }),
}]);

const client = new OperationsClient({ address: server.address, insecure: true, types });

const op = client.operation<ExportResponse, ExportMetadata>(name, {
  method: 'example.v1.ExportService.Export', // responseType and metadataType from operation_info
});
const response = await op.promise();
console.log(`exported ${response.totalBytes} bytes in ${response.chunks.length} chunks to ${response.destination}`);
console.log(`last metadata: ${op.latest?.metadata?.state}, ${op.latest?.metadata?.processedBytes} bytes`);

await client.close();
await server.stop();
