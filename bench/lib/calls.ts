/**
 * The two measurements of a call-overhead benchmark, shared by the gRPC and the
 * HTTP/JSON sections: sequential latency (one call at a time, rounds with the order
 * rotated and a GC before each) and concurrent throughput with CPU time per call.
 */
import { collectGarbage } from './util.js';

export interface SequentialSizes { calls: number; rounds: number; warmupCalls: number }

/**
 * Latencies in ms per variant: `rounds` rounds of `ceil(calls / rounds)` calls each,
 * after the warm-up; and the CPU time per call (µs, this process, server included),
 * which other processes on the machine disturb far less than latency.
 */
export async function measureSequential<V extends string>(
  variants: readonly V[], call: Readonly<Record<V, () => Promise<unknown>>>, sizes: SequentialSizes,
): Promise<{ latencies: Map<V, number[]>; cpuUsPerCall: Map<V, number>; perRound: number }> {
  const { calls, rounds, warmupCalls } = sizes;
  for (const variant of variants) for (let i = 0; i < warmupCalls; i++) await call[variant]();
  const latencies = new Map<V, number[]>(variants.map((v) => [v, []]));
  const cpuUs = new Map<V, number>(variants.map((v) => [v, 0]));
  const perRound = Math.ceil(calls / rounds);
  for (let round = 0; round < rounds; round++) {
    collectGarbage();
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length];
      const samples = latencies.get(variant)!;
      const cpuStart = process.cpuUsage();
      for (let i = 0; i < perRound; i++) {
        const start = performance.now();
        await call[variant]();
        samples.push(performance.now() - start);
      }
      const cpu = process.cpuUsage(cpuStart);
      cpuUs.set(variant, cpuUs.get(variant)! + cpu.user + cpu.system);
    }
  }
  const cpuUsPerCall = new Map(variants.map((v) => [v, cpuUs.get(v)! / (perRound * rounds)]));
  return { latencies, cpuUsPerCall, perRound };
}

export interface ConcurrentResult { callsPerSecond: number; cpuUsPerCall: number }

/**
 * `calls` calls per variant, `inFlight` at a time, in 2 rounds (order rotated); the
 * best round of each: most calls per second, least CPU per call. CPU is this process's,
 * which also runs the server (the same work for every client).
 */
export async function measureConcurrent<V extends string>(
  variants: readonly V[], call: Readonly<Record<V, () => Promise<unknown>>>, calls: number, inFlight: number,
): Promise<Map<V, ConcurrentResult>> {
  const runs = new Map<V, ConcurrentResult[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < 2; round++) {
    collectGarbage();
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length];
      let started = 0;
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (started < calls) {
          started++;
          await call[variant]();
        }
      }));
      const elapsed = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      runs.get(variant)!.push({ callsPerSecond: calls / (elapsed / 1000), cpuUsPerCall: (cpu.user + cpu.system) / calls });
    }
  }
  return new Map(variants.map((variant) => {
    const results = runs.get(variant)!;
    return [variant, {
      callsPerSecond: Math.max(...results.map((r) => r.callsPerSecond)),
      cpuUsPerCall: Math.min(...results.map((r) => r.cpuUsPerCall)),
    }];
  }));
}
