/**
 * Child process of the fleet benchmark (bench/sections/fleet.ts starts it): one client
 * waiting on thousands of operations, measured alone. Not meant to be run by hand.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

const { installLoopbackGuard } = await import('../test/helpers/loopback-guard.js');
installLoopbackGuard();
const { runFleetChild } = await import('./lib/fleet-worker.js');
await runFleetChild();
