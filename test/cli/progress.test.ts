/**
 * Unit tests of the CLI's progress rendering: reading a percentage and a state out of
 * metadata, the plain-line board (no TTY) and the live cli-progress board (a fake TTY).
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import {
  createProgressBoard, extractProgress, formatPercent, progressLine,
} from '../../src/cli/progress.js';

/** A stream that records what is written; `tty` makes it look like a terminal to cli-progress. */
function recorder(tty = false): Writable & { text(): string; isTTY?: boolean; columns?: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as Writable & { text(): string; isTTY?: boolean; columns?: number };
  stream.text = () => chunks.join('');
  if (tty) {
    stream.isTTY = true;
    stream.columns = 120;
  }
  return stream;
}

describe('cli/progress', () => {
  describe('extractProgress', () => {
    it('reads each percent field', () => {
      expect(extractProgress({ progressPercent: 42 })).to.deep.equal({ percent: 42 });
      expect(extractProgress({ progress_percent: 43 })).to.deep.equal({ percent: 43 });
      expect(extractProgress({ percentComplete: 44 })).to.deep.equal({ percent: 44 });
      expect(extractProgress({ percent_complete: 45 })).to.deep.equal({ percent: 45 });
    });

    it('prefers progressPercent, then progress_percent, percentComplete, percent_complete, progress', () => {
      expect(extractProgress({ progress: 0.9, percent_complete: 4, percentComplete: 3, progress_percent: 2, progressPercent: 1 }))
        .to.deep.equal({ percent: 1 });
      expect(extractProgress({ progress: 0.9, percent_complete: 4, percentComplete: 3 })).to.deep.equal({ percent: 3 });
      expect(extractProgress({ progress: 0.9, percent_complete: 4 })).to.deep.equal({ percent: 4 });
    });

    it('reads `progress` as a fraction from 0 to 1 and as a percentage above 1', () => {
      expect(extractProgress({ progress: 0.42 })).to.deep.equal({ percent: 42 });
      expect(extractProgress({ progress: 0 })).to.deep.equal({ percent: 0 });
      expect(extractProgress({ progress: 1 })).to.deep.equal({ percent: 100 });
      expect(extractProgress({ progress: 42 })).to.deep.equal({ percent: 42 });
      expect(extractProgress({ progress: 100 })).to.deep.equal({ percent: 100 });
    });

    it('never reads the percent fields as fractions', () => {
      expect(extractProgress({ progressPercent: 0.5 })).to.deep.equal({ percent: 0.5 });
      expect(extractProgress({ progressPercent: 1 })).to.deep.equal({ percent: 1 });
    });

    it('accepts numeric strings (int64 fields decode as decimal strings)', () => {
      expect(extractProgress({ progressPercent: '42' })).to.deep.equal({ percent: 42 });
      expect(extractProgress({ progress: '0.5' })).to.deep.equal({ percent: 50 });
    });

    it('clamps to [0, 100] and ignores values that are not finite numbers', () => {
      expect(extractProgress({ progressPercent: 150 })).to.deep.equal({ percent: 100 });
      expect(extractProgress({ progressPercent: -5 })).to.deep.equal({ percent: 0 });
      expect(extractProgress({ progressPercent: Number.NaN })).to.deep.equal({});
      expect(extractProgress({ progressPercent: Infinity })).to.deep.equal({});
      expect(extractProgress({ progressPercent: 'half' })).to.deep.equal({});
      expect(extractProgress({ progressPercent: null, progress_percent: 7 })).to.deep.equal({ percent: 7 });
      expect(extractProgress({ progressPercent: true })).to.deep.equal({});
    });

    it('reads the state from state, stage, status or phase', () => {
      expect(extractProgress({ state: 'RUNNING' })).to.deep.equal({ state: 'RUNNING' });
      expect(extractProgress({ stage: 'COPYING' })).to.deep.equal({ state: 'COPYING' });
      expect(extractProgress({ status: 'queued' })).to.deep.equal({ state: 'queued' });
      expect(extractProgress({ phase: 'LOAD' })).to.deep.equal({ state: 'LOAD' });
      expect(extractProgress({ stage: 'B', state: 'A' })).to.deep.equal({ state: 'A' });
      expect(extractProgress({ state: '', stage: 'B' })).to.deep.equal({ state: 'B' });
      expect(extractProgress({ state: 3 })).to.deep.equal({ state: '3' }); // an enum without names
      expect(extractProgress({ state: { nested: true } })).to.deep.equal({});
      expect(extractProgress({ progressPercent: 10, state: 'RUNNING' })).to.deep.equal({ percent: 10, state: 'RUNNING' });
    });

    it('reads nothing from values that are not objects', () => {
      for (const value of [undefined, null, 42, 'RUNNING', [1, 2], new Uint8Array([1])]) {
        expect(extractProgress(value)).to.deep.equal({});
      }
    });
  });

  describe('plain lines (no TTY)', () => {
    it('formats "name  42% STATE"', () => {
      expect(progressLine('operations/x', { percent: 42, state: 'RUNNING' })).to.equal('operations/x  42% RUNNING');
      expect(progressLine('operations/x', { percent: 42.25 })).to.equal('operations/x  42.3%');
      expect(progressLine('operations/x', { state: 'COPYING' })).to.equal('operations/x  COPYING');
      expect(progressLine('operations/x', {}, 'pkg.Meta')).to.equal('operations/x  pkg.Meta');
      expect(progressLine('operations/x', {})).to.equal('operations/x  RUNNING');
      expect(formatPercent(100)).to.equal('100%');
    });

    it('writes a line per change, none for repeats, then the outcome, and nothing after it', () => {
      const stream = recorder();
      const board = createProgressBoard({ stream, tty: false, nameWidth: 14 });
      const task = board.task('operations/a');
      task.update({ percent: 10, state: 'RUNNING' });
      task.update({ percent: 10, state: 'RUNNING' });
      task.update({ percent: 20, state: 'RUNNING' });
      board.log('a note');
      task.finish('SUCCEEDED', true);
      task.update({ percent: 30 });
      task.finish('FAILED', false);
      board.stop();
      board.stop();
      expect(stream.text()).to.equal([
        'operations/a    10% RUNNING',
        'operations/a    20% RUNNING',
        'a note',
        'operations/a    SUCCEEDED',
        '',
      ].join('\n'));
    });
  });

  describe('live bars (TTY)', () => {
    it('draws a bar with the percentage and state, a spinner without one, and stops cleanly', async () => {
      const stream = recorder(true);
      const board = createProgressBoard({ stream, tty: true, nameWidth: 12 });
      const withPercent = board.task('operations/a');
      const spinner = board.task('operations/b');
      withPercent.update({ percent: 50, state: 'WRITING' });
      spinner.update({ state: 'COPYING' });
      spinner.update({}, 'pkg.Meta');
      board.log('cancelling operations/b');
      await new Promise((resolve) => setTimeout(resolve, 150));
      withPercent.finish('SUCCEEDED', true);
      spinner.finish('CANCELLED', false);
      withPercent.update({ percent: 10 }); // after finish: ignored
      board.stop();
      board.stop();
      board.log('after stop');
      const text = stream.text();
      expect(text).to.match(/operations\/a {2}\[#{12}\.{12}\]\s+50% WRITING/);
      expect(text).to.match(/operations\/b {2}[|/\\-] pkg\.Meta/);
      expect(text).to.match(/operations\/a {2}\[#{24}\] 100% SUCCEEDED/);
      expect(text).to.match(/operations\/b {4}CANCELLED/);
      expect(text).to.include('cancelling operations/b\n');
      expect(text).to.include('after stop\n');
      expect(text).to.include('\u001b[?25h'); // the cursor is shown again
    });
  });
});
