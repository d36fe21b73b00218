/**
 * Unit tests of the CLI's flag values: durations (`--timeout`, `--interval`) and page sizes.
 */
import { expect } from 'chai';
import {
  FlagValueError, formatDuration, MAX_DURATION_MS, parseDuration, parsePositiveInteger,
} from '../../src/cli/duration.js';

describe('cli/duration', () => {
  describe('parseDuration', () => {
    const accepted: Array<[string, number]> = [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h', 3_600_000],
      ['1500', 1500],
      ['1', 1],
      ['1.5s', 1500],
      ['0.25s', 250],
      ['1m30s', 90_000],
      ['1h2m3s4ms', 3_723_004],
      ['  30S ', 30_000],
      ['2.5ms', 3], // rounded to whole milliseconds
      [String(MAX_DURATION_MS), MAX_DURATION_MS],
    ];
    for (const [text, ms] of accepted) {
      it(`accepts ${JSON.stringify(text)} as ${ms} ms`, () => {
        expect(parseDuration(text)).to.equal(ms);
      });
    }

    const rejected = [
      '', ' ', 'abc', '-5s', '5 s', '5sec', '5d', 's', 'ms', '1.5', '1e3', '0x10', '5s5', '1m 30s', 'Infinity', 'NaN',
      '30s,', '+5s',
    ];
    for (const text of rejected) {
      it(`rejects ${JSON.stringify(text)} naming the accepted forms`, () => {
        expect(() => parseDuration(text)).to.throw(FlagValueError, /500ms, 30s, 5m/);
      });
    }

    it('rejects zero, which would time out at once', () => {
      expect(() => parseDuration('0')).to.throw(FlagValueError, /at least 1ms/);
      expect(() => parseDuration('0s')).to.throw(FlagValueError, /at least 1ms/);
      expect(() => parseDuration('0.1ms')).to.throw(FlagValueError, /at least 1ms/);
    });

    it('accepts durations longer than one setTimeout allows (the SDK chains timers)', () => {
      expect(parseDuration('1000h')).to.equal(3_600_000_000);
      expect(parseDuration('2147483648')).to.equal(2_147_483_648);
      expect(parseDuration(String(Number.MAX_SAFE_INTEGER))).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('rejects durations too long to be exact', () => {
      expect(() => parseDuration('9007199254740992')).to.throw(FlagValueError, /at most/);
      expect(() => parseDuration('25d')).to.throw(FlagValueError);
      expect(() => parseDuration('3000000000h')).to.throw(FlagValueError, /at most/);
      expect(() => parseDuration('9'.repeat(400))).to.throw(FlagValueError, /at most/);
    });

    it('quotes the rejected text in the message', () => {
      expect(() => parseDuration('5parsecs')).to.throw('got "5parsecs"');
    });
  });

  describe('formatDuration', () => {
    it('prints milliseconds, seconds and minutes', () => {
      expect(formatDuration(500)).to.equal('500ms');
      expect(formatDuration(1500)).to.equal('1.5s');
      expect(formatDuration(30_000)).to.equal('30s');
      expect(formatDuration(300_000)).to.equal('5m');
      expect(formatDuration(90_000)).to.equal('1m30s');
      expect(formatDuration(60_250)).to.equal('1m250ms');
    });

    it('round-trips through parseDuration', () => {
      for (const ms of [1, 999, 1000, 1234, 59_999, 60_000, 61_001, 3_723_004]) {
        expect(parseDuration(formatDuration(ms))).to.equal(ms);
      }
    });
  });

  describe('parsePositiveInteger', () => {
    it('accepts whole numbers from 1 to 2^31 - 1', () => {
      expect(parsePositiveInteger('1')).to.equal(1);
      expect(parsePositiveInteger(' 50 ')).to.equal(50);
      expect(parsePositiveInteger('2147483647')).to.equal(2_147_483_647);
    });

    for (const text of ['0', '-1', '1.5', 'abc', '', '2147483648', '1e3', '0x10', '10 20']) {
      it(`rejects ${JSON.stringify(text)}`, () => {
        expect(() => parsePositiveInteger(text)).to.throw(FlagValueError, /whole number from 1 to 2147483647/);
      });
    }
  });
});
