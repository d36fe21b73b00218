/**
 * Unit tests of the embedded server's ListOperations filter (src/testing/filter.ts):
 * what the grammar accepts and how it matches, and that anything else is a
 * FilterSyntaxError whose message names the filter, the position and what was expected.
 */
import { expect } from 'chai';
import { FilterSyntaxError, parseOperationFilter } from '../../../src/testing/filter.js';
import type { Operation } from '../../../src/types.js';

const op = (name: string, done: boolean): Operation => ({ name, done });
const OPERATIONS: Operation[] = [
  op('operations/a-1', false),
  op('operations/a-2', true),
  op('operations/b-1', false),
  op('operations/"quoted"/1', true),
  op('operations/back\\slash/1', false),
];

/** The names of the operations the filter lets through. */
function matching(filter: string): string[] {
  const matches = parseOperationFilter(filter);
  return OPERATIONS.filter(matches).map((operation) => operation.name);
}

/** The FilterSyntaxError the filter raises. */
function syntaxError(filter: string): FilterSyntaxError {
  try {
    parseOperationFilter(filter);
  } catch (error) {
    expect(error).to.be.instanceOf(FilterSyntaxError);
    return error as FilterSyntaxError;
  }
  expect.fail(`filter ${JSON.stringify(filter)} was accepted`);
}

describe('parseOperationFilter (embedded server)', () => {
  describe('accepts', () => {
    for (const filter of ['', ' ', '\t \n']) {
      it(`the empty or blank filter ${JSON.stringify(filter)}: everything matches`, () => {
        expect(matching(filter)).to.deep.equal(OPERATIONS.map((operation) => operation.name));
      });
    }

    for (const filter of ['done = true', 'done=true', 'done   =\ttrue', '  done = true  ']) {
      it(`${JSON.stringify(filter)}: only done operations`, () => {
        expect(matching(filter)).to.deep.equal(['operations/a-2', 'operations/"quoted"/1']);
      });
    }

    it('done = false: only running operations', () => {
      expect(matching('done = false')).to.deep.equal(['operations/a-1', 'operations/b-1', 'operations/back\\slash/1']);
    });

    it('name:"prefix" matches by prefix, with or without spaces around the colon', () => {
      expect(matching('name:"operations/a-"')).to.deep.equal(['operations/a-1', 'operations/a-2']);
      expect(matching('name : "operations/b"')).to.deep.equal(['operations/b-1', 'operations/back\\slash/1']);
      expect(matching('name:""')).to.have.length(OPERATIONS.length);
      expect(matching('name:"nothing/"')).to.deep.equal([]);
    });

    it('\\" and \\\\ escapes inside the prefix', () => {
      expect(matching('name:"operations/\\"quoted\\""')).to.deep.equal(['operations/"quoted"/1']);
      expect(matching('name:"operations/back\\\\slash"')).to.deep.equal(['operations/back\\slash/1']);
    });

    it('conditions joined by AND must all hold', () => {
      expect(matching('name:"operations/a-" AND done = false')).to.deep.equal(['operations/a-1']);
      expect(matching('done = true AND name:"operations/a-"')).to.deep.equal(['operations/a-2']);
      expect(matching('done = true AND done = false')).to.deep.equal([]);
      expect(matching('name:"operations/" \n AND\tname:"operations/b" AND done=false'))
        .to.deep.equal(['operations/b-1', 'operations/back\\slash/1']);
    });
  });

  describe('refuses with a FilterSyntaxError', () => {
    const CONDITION = 'expected `done = true`, `done = false` or `name:"prefix"`';
    const AND_OR_END = 'expected ` AND ` followed by another condition, or the end of the filter';
    const cases: Array<{ filter: string; position: number; expected: string; why: string }> = [
      { filter: 'done = yes', position: 0, expected: CONDITION, why: 'done takes true or false' },
      { filter: 'done = TRUE', position: 0, expected: CONDITION, why: 'the literals are lower case' },
      { filter: 'done = truex', position: 0, expected: CONDITION, why: 'a longer word is not `true`' },
      { filter: 'done = true.x', position: 0, expected: CONDITION, why: 'nor is a field path' },
      { filter: 'done != true', position: 0, expected: CONDITION, why: 'only `=` compares done' },
      { filter: 'name = "operations/a"', position: 0, expected: CONDITION, why: 'name takes `:`, a prefix match' },
      { filter: 'name:operations/a', position: 0, expected: CONDITION, why: 'the prefix is quoted' },
      { filter: 'name:"operations/a', position: 0, expected: CONDITION, why: 'an unterminated string' },
      { filter: 'metadata.progress = 50', position: 0, expected: CONDITION, why: 'other fields are unknown' },
      { filter: 'NOT done = true', position: 0, expected: CONDITION, why: 'no NOT' },
      { filter: '(done = true)', position: 0, expected: CONDITION, why: 'no parentheses' },
      { filter: 'done = true and done = false', position: 12, expected: AND_OR_END, why: 'AND is upper case' },
      { filter: 'done = true OR done = false', position: 12, expected: AND_OR_END, why: 'no OR' },
      { filter: 'done = true done = false', position: 12, expected: AND_OR_END, why: 'conditions need AND' },
      { filter: 'done = trueANDdone = false', position: 0, expected: CONDITION, why: 'AND needs spaces around it' },
      { filter: 'done = true AND', position: 15, expected: CONDITION, why: 'AND needs a second condition' },
      { filter: 'done = true AND ', position: 16, expected: CONDITION, why: 'AND needs a second condition' },
      { filter: 'AND done = true', position: 0, expected: CONDITION, why: 'a filter starts with a condition' },
    ];
    for (const { filter, position, expected, why } of cases) {
      it(`${JSON.stringify(filter)} at position ${position} (${why})`, () => {
        const error = syntaxError(filter);
        expect(error.name).to.equal('FilterSyntaxError');
        expect(error.position).to.equal(position);
        expect(error.message).to.include(`cannot parse filter ${JSON.stringify(filter)}`);
        expect(error.message).to.include(expected);
        if (position === filter.length) {
          expect(error.message).to.match(/at its end$/);
        } else {
          const rest = filter.slice(position);
          expect(error.message).to.include(`at position ${position} (${JSON.stringify(rest)})`);
        }
      });
    }

    it('shows at most 40 characters of what follows the position, then "..."', () => {
      const tail = 'x'.repeat(100);
      const error = syntaxError(`done = true ${tail}`);
      expect(error.position).to.equal(12);
      // The whole filter is quoted first; the excerpt after the position is cut.
      expect(error.message).to.include(`at position 12 (${JSON.stringify(`${'x'.repeat(40)}...`)}): expected`);
    });
  });
});
