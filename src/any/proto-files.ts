/**
 * Where the google.* protos live, and how to load `.proto` files with include
 * directories. The protos ship inside google-gax (its `build/protos` folder); deep
 * imports are blocked by its exports map, so the folder is found from the resolved
 * entry point.
 *
 * @internal
 * @module
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { LongRunningError } from '../errors.js';

const require = createRequire(import.meta.url);

let cachedProtosDir: string | undefined;

/**
 * The directory holding `google/longrunning/operations.proto`, `google/rpc/*.proto`
 * and the other google.* protos shipped with google-gax.
 *
 * @internal
 */
export function googleProtosDir(): string {
  if (cachedProtosDir !== undefined) return cachedProtosDir;
  // google-gax's main entry is <pkg>/build/src/index.js; its protos are <pkg>/build/protos.
  const entry = require.resolve('google-gax');
  let dir = path.dirname(entry);
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'protos');
    if (existsSync(path.join(candidate, 'google', 'longrunning', 'operations.proto'))) {
      cachedProtosDir = candidate;
      return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new LongRunningError(`Cannot find google/longrunning/operations.proto near ${entry}; is google-gax installed?`);
}

/**
 * Loads `.proto` files into a fresh protobufjs Root. Imports are resolved against
 * `includeDirs`, then against the google-gax protos folder, so user protos can import
 * `google/longrunning/operations.proto` without copying it.
 *
 * Field names are converted to camelCase (protobufjs' default), except in the
 * well-known types protobufjs bundles (`google.protobuf.Any` keeps `type_url`).
 *
 * @internal
 */
export function loadProtoFiles(files: readonly string[], includeDirs: readonly string[] = []): protobuf.Root {
  const searchDirs = [...includeDirs, googleProtosDir()];
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of searchDirs) {
      const candidate = path.resolve(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    // Relative to the importing file, then the working directory, as protoc does.
    const relative = origin ? path.resolve(path.dirname(origin), target) : path.resolve(target);
    return relative;
  };
  root.loadSync([...files], { keepCase: false });
  root.resolveAll();
  return root;
}
