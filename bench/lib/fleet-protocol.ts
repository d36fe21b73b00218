/** Messages between the fleet benchmark (parent, owns the server) and its child (owns one client). */

/** The clients the fleet measures: over gRPC, and over HTTP/JSON (`-http`, and gax's REST fallback). */
export type FleetVariant = 'ours-auto' | 'ours-poll' | 'gax' | 'ours-auto-http' | 'ours-poll-http' | 'gax-rest';

/** The variants that talk HTTP/JSON to the server's HTTP front-end. */
export const HTTP_FLEET_VARIANTS: ReadonlySet<FleetVariant> = new Set(['ours-auto-http', 'ours-poll-http', 'gax-rest']);

/** Passed to the child in the BENCH_FLEET environment variable. */
export interface FleetChildConfig {
  /** The server's gRPC address, `127.0.0.1:PORT`. */
  address: string;
  /** The server's HTTP/JSON front-end, `http://127.0.0.1:PORT` (the same operations). */
  httpUrl: string;
  variant: FleetVariant;
  /** A done operation for the warm-up. */
  warmName: string;
  /** How long the child may wait for all operations, ms. */
  limitMs: number;
  /** When to take the live-heap sample (a forced GC), ms after the start. */
  liveSampleAtMs: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
}

export type ParentMessage = { type: 'start'; names: string[] };

export type ChildMessage =
  | { type: 'ready'; baseline: MemorySample }
  | { type: 'result'; result: FleetChildResult }
  | { type: 'error'; message: string };

export interface FleetChildResult {
  variant: FleetVariant;
  operations: number;
  resolved: number;
  rejected: number;
  firstError?: string;
  /** From the start message to the last settled promise. */
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPU of the forced GC of the live-heap sample; not part of the client's work. */
  forcedGcCpuMs: number;
  baseline: MemorySample;
  peak: MemorySample;
  /** Right after every handle was created and its promise() called. */
  afterStart: MemorySample;
  /**
   * After a forced GC at `liveSampleAtMs`: what the pending operations really hold.
   * The GC's pause is kept out of the loop-delay histogram and its CPU out of `cpu*`.
   */
  live: MemorySample & { pending: number; atMs: number };
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Date.now() when each operation's promise settled, in the order of `names`. */
  settledAt: number[];
}
