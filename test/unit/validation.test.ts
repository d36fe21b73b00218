/**
 * The one name rule (src/validation.ts) at its boundaries: the length bound in UTF-8
 * bytes, and the control characters and unpaired surrogates it refuses.
 */
import { expect } from 'chai';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkName, describeNameProblem, MAX_NAME_BYTES, nameProblem, quoteName } from '../../src/validation.js';

const prefix = 'operations/';
/** A name of exactly `bytes` UTF-8 bytes, `unit` repeated after the prefix and padded with ASCII. */
function nameOfBytes(bytes: number, unit = 'x'): string {
  const unitBytes = new TextEncoder().encode(unit).length;
  const count = Math.floor((bytes - prefix.length) / unitBytes);
  return prefix + unit.repeat(count) + 'y'.repeat(bytes - prefix.length - count * unitBytes);
}

describe('the name rule (src/validation.ts)', () => {
  const accepted: Array<[string, string]> = [
    ['exactly the byte bound in ASCII', nameOfBytes(MAX_NAME_BYTES)],
    ['exactly the byte bound in 2-byte characters', nameOfBytes(MAX_NAME_BYTES, 'é')],
    ['exactly the byte bound in 3-byte characters', nameOfBytes(MAX_NAME_BYTES, '名')],
    ['exactly the byte bound in 4-byte characters (surrogate pairs)', nameOfBytes(MAX_NAME_BYTES, '😀')],
    ['U+0020 SPACE, the first character after C0', 'operations/a b'],
    ['U+007E TILDE, the last before DEL', 'operations/a~b'],
    ['U+00A0 NO-BREAK SPACE, the first after C1', 'operations/a\u00a0b'],
    ['a surrogate pair', 'operations/\ud83d\ude00'],
    ['percent signs and colons', 'projects/p/locations/l/operations/op%2F1:x'],
  ];
  for (const [label, name] of accepted) {
    it(`accepts ${label}`, () => {
      expect(nameProblem(name, 'operation')).to.equal(undefined);
      expect(checkName(name, 'request.name', 'operation')).to.equal(name);
    });
  }

  const refused: Array<[string, string, string]> = [
    ['one byte over the bound in ASCII', nameOfBytes(MAX_NAME_BYTES + 1), `is ${MAX_NAME_BYTES + 1} bytes long in UTF-8`],
    ['one byte over the bound by a 2-byte character', `${nameOfBytes(MAX_NAME_BYTES - 1)}é`, `is ${MAX_NAME_BYTES + 1} bytes long`],
    ['over the bound in 4-byte characters', `${nameOfBytes(MAX_NAME_BYTES - 3)}😀`, `is ${MAX_NAME_BYTES + 1} bytes long`],
    ['U+0000', 'operations/a\u0000', 'control character U+0000 at index 12'],
    ['U+001F, the last C0 character', 'operations/\u001f', 'control character U+001F at index 11'],
    ['U+007F DEL', 'operations/\u007f', 'control character U+007F'],
    ['U+0080, the first C1 character', 'operations/\u0080', 'control character U+0080'],
    ['U+0085 NEXT LINE', 'operations/\u0085', 'control character U+0085'],
    ['U+009F, the last C1 character', 'operations/\u009f', 'control character U+009F'],
    ['an unpaired high surrogate', 'operations/\ud83dx', 'unpaired surrogate U+D83D at index 11'],
    ['an unpaired low surrogate', 'operations/\ude00', 'unpaired surrogate U+DE00'],
    ['two high surrogates', 'operations/\ud83d\ud83d', 'unpaired surrogate U+D83D at index 11'],
  ];
  for (const [label, name, problem] of refused) {
    it(`refuses ${label}, for operations and collections alike`, () => {
      expect(nameProblem(name, 'operation')).to.contain(problem);
      expect(nameProblem(name, 'collection')).to.contain(problem);
      expect(() => checkName(name, 'request.name', 'operation'))
        .to.throw(InvalidArgumentError, problem)
        .with.property('argument', 'request.name');
    });
  }

  it('refuses an empty operation name, accepts an empty collection, refuses non-strings', () => {
    expect(nameProblem('', 'operation')).to.equal('is empty');
    expect(nameProblem('', 'collection')).to.equal(undefined);
    expect(nameProblem(7, 'collection')).to.equal('is not a string');
    expect(() => checkName(undefined, 'request.name', 'operation')).to.throw(InvalidArgumentError, '`request.name`');
  });

  it('describes a problem as the embedded server sends it: field, quoted value, what is wrong', () => {
    expect(describeNameProblem('operations/a\u0007b', 'operation', 'name'))
      .to.equal('name "operations/a\\u0007b" contains the control character U+0007 at index 12');
    expect(describeNameProblem('', 'operation', 'name')).to.equal('name is empty');
    expect(describeNameProblem('operations/ok', 'operation', 'name')).to.equal(undefined);
  });

  it('quotes names without raw DEL or C1 characters, shortened', () => {
    expect(quoteName('a\u007f\u0085\u009fb')).to.equal('"a\\u007f\\u0085\\u009fb"');
    expect(quoteName('x'.repeat(100))).to.equal(`"${'x'.repeat(64)}..."`);
  });
});
