/**
 * A seeded random source for the embedded server's fault injection.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same
 * sequence of numbers in [0, 1), so a run with random faults can be replayed. Meant for
 * `FaultOptions.random`; it is not suitable for anything secret.
 *
 * @param seed - any finite number; its low 32 bits are used.
 * @returns a function returning the next number of the sequence, in [0, 1).
 * @throws {@link longrunning-client!InvalidArgumentError | InvalidArgumentError} when `seed` is not a finite number.
 * @example
 * ```ts
 * import { InMemoryOperationsServer, seededRandom } from 'longrunning-client/testing';
 *
 * const server = await InMemoryOperationsServer.start({ faults: { unavailableRate: 0.3, random: seededRandom(42) } });
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new InvalidArgumentError('seed', seed, 'a finite number');
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
