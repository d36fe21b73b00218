/** The machine and the versions every result is recorded with. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/ is two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MachineInfo {
  os: { type: string; release: string; arch: string };
  cpus: { count: number; model: string };
  memoryBytes: number;
  /** `os.loadavg()` at the start of the run. */
  loadAverage: number[];
  node: string;
  v8: string;
  /** This package and the dependencies that shape the numbers. */
  versions: Record<string, string>;
}

const PACKAGES = ['google-gax', '@grpc/grpc-js', 'protobufjs', 'rxjs', 'tinybench', 'sinon'];

function versionOf(packageJson: string): string {
  try {
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'not installed';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const versions: Record<string, string> = {
    'longrunning-client': versionOf(path.join(REPO_ROOT, 'package.json')),
  };
  for (const name of PACKAGES) versions[name] = versionOf(path.join(REPO_ROOT, 'node_modules', name, 'package.json'));
  // google-gax must use the same grpc-js as everything else (it is given ours explicitly).
  const nestedGrpc = path.join(REPO_ROOT, 'node_modules', 'google-gax', 'node_modules', '@grpc', 'grpc-js', 'package.json');
  const nested = versionOf(nestedGrpc);
  if (nested !== 'not installed') versions['@grpc/grpc-js (nested in google-gax, unused)'] = nested;
  return {
    os: { type: os.type(), release: os.release(), arch: os.arch() },
    cpus: { count: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown' },
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    node: process.version,
    v8: process.versions.v8,
    versions,
  };
}
