/**
 * The debug log's switch (src/debug-log.ts): which settings turn it on, read safely from
 * whatever global object a runtime has.
 */
import { expect } from 'chai';
import { debugEnabledIn, debugLine, debugLog, percentText, setDebugLog } from '../../src/debug-log.js';

describe('debug-log', () => {
  afterEach(() => setDebugLog(undefined));

  it('is on for LONGRUNNING_DEBUG in the environment, except for the off values', () => {
    const env = (value: string) => ({ process: { env: { LONGRUNNING_DEBUG: value } } });
    for (const on of ['1', 'true', 'yes', '*', 'anything']) expect(debugEnabledIn(env(on)), on).to.equal(true);
    for (const off of ['', '0', 'false', 'OFF', 'no', ' 0 ']) expect(debugEnabledIn(env(off)), JSON.stringify(off)).to.equal(false);
  });

  it('is off without any setting, and in a runtime with no process at all', () => {
    expect(debugEnabledIn({})).to.equal(false);
    expect(debugEnabledIn({ process: {} })).to.equal(false);
  });

  it('follows the debug package\'s DEBUG convention when LONGRUNNING_DEBUG is not set', () => {
    const debug = (value: string) => ({ process: { env: { DEBUG: value } } });
    for (const on of ['longrunning', 'longrunning*', '*', 'express,longrunning', 'foo longrunning']) expect(debugEnabledIn(debug(on)), on).to.equal(true);
    for (const off of ['express', 'long', '*,-longrunning', 'longrunning,-longrun*']) expect(debugEnabledIn(debug(off)), off).to.equal(false);
    // LONGRUNNING_DEBUG decides over DEBUG.
    expect(debugEnabledIn({ process: { env: { DEBUG: '*', LONGRUNNING_DEBUG: '0' } } })).to.equal(false);
  });

  it('reads a global or localStorage in browsers, and survives settings that throw', () => {
    expect(debugEnabledIn({ LONGRUNNING_DEBUG: true })).to.equal(true);
    expect(debugEnabledIn({ LONGRUNNING_DEBUG: 1 })).to.equal(true);
    expect(debugEnabledIn({ LONGRUNNING_DEBUG: false })).to.equal(false);
    expect(debugEnabledIn({ localStorage: { getItem: (key: string) => (key === 'LONGRUNNING_DEBUG' ? '1' : null) } })).to.equal(true);
    const throwing = {
      get process(): never { throw new Error('no env access'); },
      localStorage: { getItem(): never { throw new Error('SecurityError'); } },
    };
    expect(debugEnabledIn(throwing)).to.equal(false);
  });

  it('writes prefixed lines to the sink set, and nothing when off', () => {
    const lines: string[] = [];
    setDebugLog((line) => lines.push(line));
    debugLine(debugLog(), 'rpc', 'GetOperation operations/1');
    setDebugLog(null);
    expect(debugLog()).to.equal(undefined);
    debugLine(debugLog(), 'rpc', 'not written');
    expect(lines).to.deep.equal(['[longrunning] rpc GetOperation operations/1']);
  });

  it('shows progress as a percentage', () => {
    expect(percentText(0.425)).to.equal('42.5%');
    expect(percentText(1)).to.equal('100%');
    expect(percentText(undefined)).to.equal('unknown');
  });
});
