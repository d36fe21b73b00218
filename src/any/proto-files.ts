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
import { InvalidArgumentError, LongRunningError } from '../errors.js';

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

/** A file that was looked for and not found: what, from where, and every place tried. */
interface Miss {
  readonly target: string;
  /** The importing file; '' for a file the caller named. */
  readonly origin: string;
  readonly searched: readonly string[];
}

/**
 * Loads `.proto` files into a fresh protobufjs Root. Imports are resolved against
 * `includeDirs`, then against the google-gax protos folder, so user protos can import
 * `google/longrunning/operations.proto` without copying it.
 *
 * Field names are converted to camelCase (protobufjs' default), except in the
 * well-known types protobufjs bundles (`google.protobuf.Any` keeps `type_url`).
 *
 * @throws {@link InvalidArgumentError} for a file or import found nowhere (naming it and
 *   every place searched), a file that does not parse, or a type that does not resolve.
 * @internal
 */
export function loadProtoFiles(files: readonly string[], includeDirs: readonly string[] = []): protobuf.Root {
  const searchDirs = [...includeDirs, googleProtosDir()];
  const root = new protobuf.Root();
  const misses = new Map<string, Miss>();
  let lastResolved = '';
  root.resolvePath = (origin, target) => {
    const searched: string[] = [];
    let resolved: string | undefined;
    if (path.isAbsolute(target)) {
      resolved = target;
      searched.push(target);
    } else {
      for (const dir of searchDirs) {
        const candidate = path.resolve(dir, target);
        searched.push(candidate);
        if (existsSync(candidate)) {
          resolved = candidate;
          break;
        }
      }
      // Relative to the importing file, then the working directory, as protoc does.
      if (resolved === undefined) {
        resolved = origin ? path.resolve(path.dirname(origin), target) : path.resolve(target);
        searched.push(resolved);
      }
    }
    if (!existsSync(resolved)) misses.set(resolved, { target, origin, searched });
    lastResolved = resolved;
    return resolved;
  };
  try {
    root.loadSync([...files], { keepCase: false });
  } catch (error) {
    const miss = misses.get((error as NodeJS.ErrnoException).path ?? '');
    if (miss !== undefined) throw missingFileError(miss, files, includeDirs, error);
    const message = error instanceof Error ? error.message : String(error);
    const where = lastResolved !== '' && !message.includes(lastResolved) ? ` (in ${lastResolved})` : '';
    throw withCause(new InvalidArgumentError('paths', files, `.proto files that load: ${message}${where}`), error);
  }
  try {
    root.resolveAll();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw withCause(new InvalidArgumentError('paths', files,
      `.proto files whose types all resolve (is an import missing?): ${message}`), error);
  }
  return root;
}

/** The error for a file or import found nowhere: what, where it was looked for, what to do. */
function missingFileError(miss: Miss, files: readonly string[], includeDirs: readonly string[], cause: unknown): InvalidArgumentError {
  const searched = miss.searched.join(', ');
  const error = miss.origin === ''
    ? new InvalidArgumentError(`paths[${files.indexOf(miss.target)}]`, miss.target,
      `a .proto file found under \`includeDirs\` or the working directory (looked for ${searched}); ` +
      'pass the directory its path is relative to in `includeDirs`')
    : new InvalidArgumentError('options.includeDirs', [...includeDirs],
      `directories where "${miss.target}", imported by ${miss.origin}, is found (looked for ${searched}); ` +
      'add the directory its import path is relative to');
  return withCause(error, cause);
}

/** Keeps the original error (protobufjs', or fs') as `cause`. */
function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}
