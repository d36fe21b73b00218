/**
 * Command line of `npm run bench` and the sizes of each mode. Every loop of the
 * benchmarks is bounded by these counts and by the time limits next to them.
 */
import type { FleetVariant } from './fleet-protocol.js';

/** `full`: the numbers for docs/performance.md; `quick`: about 90 s; `smoke`: a few seconds, checks the output only. */
export type Mode = 'full' | 'quick' | 'smoke';

/** The benchmarks, in the order they run. */
export const SECTION_NAMES = ['detection', 'simulated', 'fleet', 'subscribers', 'list', 'overhead', 'unpack', 'http-list', 'http-overhead'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface Sizes {
  detection: {
    /** Real-time finishing times of the operations, counted from the start of the wait. */
    finishAfterMs: number[];
    /** Operations per finishing time and client; they run concurrently. */
    repetitions: number;
    /** Starts are spread evenly over this window so that polls do not arrive in bursts. */
    staggerMs: number;
  };
  simulated: {
    /** Finishing times on the fake clock. */
    finishAfterMs: number[];
    /** Finishing times spread evenly over [0, max): lag at unlucky times too, not only at the points above. */
    spreadUpToMs: number[];
    repetitions: number;
  };
  fleet: {
    operations: number;
    /** Operations finish at uniformly random times within this window. */
    windowMs: number;
    /** Clients measured, each in its own child process. */
    variants: FleetVariant[];
    /** Repetitions of the whole fleet per client; the table shows medians. */
    passes: number;
  };
  subscribers: { subscribers: number; finishAfterMs: number };
  list: { operations: number; pageSize: number; rounds: number };
  overhead: {
    calls: number;
    rounds: number;
    warmupCalls: number;
    /** The concurrent part: this many calls per client, `inFlight` at a time. */
    concurrentCalls: number;
    inFlight: number;
  };
  unpack: { timeMs: number; warmupMs: number };
  /** ListOperations over the embedded server's HTTP/JSON front-end. */
  'http-list': { operations: number; pageSize: number; rounds: number };
  /** GetOperation over HTTP/JSON; the concurrent part keeps fewer calls in flight than gRPC (one socket each). */
  'http-overhead': { calls: number; rounds: number; warmupCalls: number; concurrentCalls: number; inFlight: number };
}

export const SIZES: Readonly<Record<Mode, Sizes>> = {
  full: {
    detection: { finishAfterMs: [1_000, 10_000], repetitions: 40, staggerMs: 1_000 },
    simulated: { finishAfterMs: [1_000, 10_000, 60_000, 600_000, 3_600_000], spreadUpToMs: [20_000, 120_000], repetitions: 1_000 },
    fleet: { operations: 10_000, windowMs: 20_000, variants: ['ours-auto', 'ours-poll', 'gax', 'ours-auto-http', 'ours-poll-http', 'gax-rest'], passes: 3 },
    subscribers: { subscribers: 100, finishAfterMs: 3_000 },
    list: { operations: 100_000, pageSize: 1_000, rounds: 5 },
    overhead: { calls: 5_000, rounds: 10, warmupCalls: 500, concurrentCalls: 10_000, inFlight: 500 },
    unpack: { timeMs: 1_000, warmupMs: 250 },
    'http-list': { operations: 100_000, pageSize: 1_000, rounds: 5 },
    'http-overhead': { calls: 5_000, rounds: 10, warmupCalls: 500, concurrentCalls: 5_000, inFlight: 50 },
  },
  quick: {
    detection: { finishAfterMs: [1_000, 10_000], repetitions: 6, staggerMs: 500 },
    simulated: { finishAfterMs: [1_000, 10_000, 60_000, 600_000, 3_600_000], spreadUpToMs: [20_000, 120_000], repetitions: 100 },
    // One HTTP/JSON client and its gax: quick stays under a minute.
    fleet: { operations: 1_000, windowMs: 5_000, variants: ['ours-auto', 'gax', 'ours-auto-http', 'gax-rest'], passes: 1 },
    subscribers: { subscribers: 100, finishAfterMs: 1_500 },
    list: { operations: 20_000, pageSize: 1_000, rounds: 3 },
    overhead: { calls: 1_000, rounds: 5, warmupCalls: 100, concurrentCalls: 1_000, inFlight: 200 },
    unpack: { timeMs: 200, warmupMs: 50 },
    'http-list': { operations: 20_000, pageSize: 1_000, rounds: 3 },
    'http-overhead': { calls: 1_000, rounds: 5, warmupCalls: 100, concurrentCalls: 1_000, inFlight: 50 },
  },
  smoke: {
    detection: { finishAfterMs: [250], repetitions: 2, staggerMs: 50 },
    simulated: { finishAfterMs: [1_000, 60_000], spreadUpToMs: [20_000], repetitions: 10 },
    fleet: { operations: 100, windowMs: 500, variants: ['ours-auto', 'gax', 'ours-auto-http', 'gax-rest'], passes: 1 },
    subscribers: { subscribers: 10, finishAfterMs: 300 },
    list: { operations: 2_000, pageSize: 1_000, rounds: 1 },
    overhead: { calls: 100, rounds: 2, warmupCalls: 20, concurrentCalls: 200, inFlight: 50 },
    unpack: { timeMs: 20, warmupMs: 10 },
    'http-list': { operations: 2_000, pageSize: 1_000, rounds: 1 },
    'http-overhead': { calls: 100, rounds: 2, warmupCalls: 20, concurrentCalls: 200, inFlight: 20 },
  },
};

export interface BenchArgs {
  mode: Mode;
  sections: SectionName[];
  /** Where the JSON result goes; default `bench/results/<mode>-<timestamp>.json`. */
  out: string | undefined;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick | --smoke] [--only <name>[,<name>...]] [--out <file.json>]

  (no flag)   full run: the numbers of docs/performance.md (about 9-10 minutes)
  --quick     fewer repetitions and smaller fleets, about 90 s
  --smoke     the smallest sizes, a few seconds: checks that everything runs
  --only      run only these benchmarks: ${SECTION_NAMES.join(', ')}
  --out       write the JSON result here instead of bench/results/
`;

/** Parses the command line; throws with a readable message on a mistake. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let mode: Mode = 'full';
  let only: SectionName[] | undefined;
  let out: string | undefined;
  let help = false;
  const value = (i: number, flag: string): string => {
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value\n\n${USAGE}`);
    return next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick' || arg === '--smoke' || arg === '--full') {
      mode = arg.slice(2) as Mode;
    } else if (arg === '--only') {
      const names = value(i++, arg).split(',').map((name) => name.trim()).filter((name) => name !== '');
      for (const name of names) {
        if (!(SECTION_NAMES as readonly string[]).includes(name)) {
          throw new Error(`Unknown benchmark ${JSON.stringify(name)}; expected one of ${SECTION_NAMES.join(', ')}`);
        }
      }
      only = [...(only ?? []), ...(names as SectionName[])];
    } else if (arg === '--out') {
      out = value(i++, arg);
    } else if (arg === '--help' || arg === '-h') {
      help = true;
    } else {
      throw new Error(`Unknown argument ${JSON.stringify(arg)}\n\n${USAGE}`);
    }
  }
  const sections = only === undefined ? [...SECTION_NAMES] : SECTION_NAMES.filter((name) => only.includes(name));
  return { mode, sections, out, help };
}
