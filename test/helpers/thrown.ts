import { expect } from 'chai';

/** Runs `fn`, which must throw synchronously, and returns what it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('expected the call to throw');
}
