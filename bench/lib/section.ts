/** The contract between bench/run.ts and each benchmark in bench/sections/. */
import type { Mode, Sizes } from './args.js';
import type { SectionResult } from './report.js';

export interface SectionContext {
  mode: Mode;
  sizes: Sizes;
  /** Progress line on stderr (stdout carries the tables only). */
  log: (message: string) => void;
}

export type SectionOutput = Omit<SectionResult, 'name' | 'durationMs' | 'loadAverage'>;

export type SectionRunner = (context: SectionContext) => Promise<SectionOutput>;
