/**
 * Budgets for tests that run child processes (examples, the CLI, exit checks). A child
 * spends most of its time starting Node and tsx, which is CPU-bound: on a loaded
 * machine, children started all at once each take as long as all of them together.
 * So children run at most one per CPU, and the deadline after which a child counts as
 * hung is far above what any of them needs on an idle machine (a few seconds), so
 * that it only ever catches a hang, never a slow machine.
 */
import os from 'node:os';

/** Child processes a test runs at once: one per CPU the process may use. */
export const CHILD_CONCURRENCY = Math.max(1, os.availableParallelism());

/** A child that has not exited after this long is killed: it hangs. */
export const CHILD_DEADLINE_MS = 60_000;

/**
 * The mocha timeout for a hook or test that runs `count` children through
 * {@link mapLimited}: every round of {@link CHILD_CONCURRENCY} children may take up
 * to {@link CHILD_DEADLINE_MS}.
 */
export function childrenTimeoutMs(count: number): number {
  return Math.ceil(count / CHILD_CONCURRENCY) * CHILD_DEADLINE_MS + 10_000;
}

/** `task` applied to every item, at most `limit` at a time; results in the order of `items`. */
export async function mapLimited<T, R>(items: readonly T[], task: (item: T) => Promise<R>, limit = CHILD_CONCURRENCY): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
