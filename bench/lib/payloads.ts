/**
 * The messages the benchmarks put in operations (bench/protos/bench/v1/bench.proto),
 * loaded once into one protobufjs Root that serves both sides: our TypeRegistry and
 * google-gax's decoders (bare `Type.decode`).
 */
import path from 'node:path';
import protobuf from 'protobufjs';
import { TypeRegistry, type Any } from '../../src/index.js';
import { REPO_ROOT } from './machine.js';

export const PROGRESS_TYPE = 'bench.v1.JobProgress';
export const RESULT_TYPE = 'bench.v1.JobResult';

/** The plain shape `TypeRegistry.unpack` returns for bench.v1.JobProgress. */
export interface JobProgress {
  state: string;
  percent: number;
  processedBytes: string;
  stage: string;
  updateTime?: { seconds: string; nanos: number };
  shards: Array<{ name: string; bytes: string; percent: number; detail: string }>;
}

/** The plain shape of bench.v1.JobResult. */
export interface JobResult {
  rows: string;
  destination: string;
}

export interface BenchTypes {
  root: protobuf.Root;
  registry: TypeRegistry;
  progress: protobuf.Type;
  result: protobuf.Type;
}

let cached: BenchTypes | undefined;

export function benchTypes(): BenchTypes {
  if (cached) return cached;
  // google/protobuf/timestamp.proto comes from protobufjs' bundled well-known types.
  const root = protobuf.loadSync(path.join(REPO_ROOT, 'bench', 'protos', 'bench', 'v1', 'bench.proto'));
  root.resolveAll();
  cached = {
    root,
    registry: TypeRegistry.fromRoot(root),
    progress: root.lookupType(PROGRESS_TYPE),
    result: root.lookupType(RESULT_TYPE),
  };
  return cached;
}

/** Small progress metadata, about 30 bytes on the wire. */
export function smallProgress(percent: number): Any {
  return benchTypes().registry.pack(PROGRESS_TYPE, {
    state: 'RUNNING',
    percent,
    processedBytes: String(percent * 1_048_576),
    stage: 'copying',
    updateTime: { seconds: '1767225600', nanos: 250_000_000 },
  });
}

/** The same message with per-shard progress, about 10 KB on the wire. */
export function largeProgress(): Any {
  const shards = Array.from({ length: 116 }, (_, i) => ({
    name: `projects/bench/locations/us-central1/shards/${String(i).padStart(4, '0')}`,
    bytes: String(1_000_000_000 + i * 7919),
    percent: i % 100,
    detail: `copied ${i * 12} of ${1200} files`,
  }));
  return benchTypes().registry.pack(PROGRESS_TYPE, {
    state: 'RUNNING',
    percent: 42,
    processedBytes: '123456789012',
    stage: 'copying',
    updateTime: { seconds: '1767225600', nanos: 250_000_000 },
    shards,
  });
}

export function jobResult(rows: number): Any {
  return benchTypes().registry.pack(RESULT_TYPE, { rows: String(rows), destination: 'gs://bench/export' });
}
