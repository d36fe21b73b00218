#!/usr/bin/env node
/**
 * The `longrunning` executable: runs the CLI with the real process and sets the exit
 * code. Ctrl-C aborts what is in progress (waits, calls, the demo); the CLI then
 * cleans up and exits 130. A second Ctrl-C exits at once.
 *
 * @internal
 * @module
 */

// The network rule: never probe the GCE metadata server, whatever google-auth-library
// might be loaded by. Set before anything of the SDK is imported.
process.env.METADATA_SERVER_DETECTION = 'none';

// Deprecation warnings of dependencies (e.g. Node's DEP0123 when grpc-js sets a TLS
// server name to an IP address) are not actionable for CLI users and would break the
// one-line error output; --debug shows them.
if (!process.argv.includes('--debug')) process.noDeprecation = true;

// A reader that went away (`longrunning list | head`) is not an error worth a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Installed first, so that Ctrl-C during start-up is handled the same way.
const interrupt = new AbortController();
const onSigint = (): void => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(); // run() reports any abort of its signal as "interrupted", exit 130
};
process.on('SIGINT', onSigint);

const { run } = await import('./run.js');
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  signal: interrupt.signal,
});
process.removeListener('SIGINT', onSigint);
