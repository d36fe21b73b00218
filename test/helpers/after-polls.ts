/**
 * Server state that follows the client's polls instead of a clock: after the `n`-th
 * answered GetOperation or WaitOperation of `name` (counted from 1), `steps[n]` changes
 * the server's state. The answer was already taken, so the change is what the next poll
 * sees: every step is observed, whatever the machine's load.
 */
import type { InMemoryOperationsServer } from '../../src/testing/in-memory-server.js';

/** Installs the overrides of GetOperation and WaitOperation that run `steps`. */
export function afterPolls(server: InMemoryOperationsServer, name: string, steps: Record<number, () => void>): void {
  let polls = 0;
  const answered = (polled: string) => {
    if (polled === name) steps[++polls]?.();
  };
  server.override('GetOperation', async (request, context) => {
    const answer = await context.next();
    answered(request.name);
    return answer;
  });
  server.override('WaitOperation', async (request, context) => {
    const answer = await context.next();
    answered(request.name);
    return answer;
  });
}
