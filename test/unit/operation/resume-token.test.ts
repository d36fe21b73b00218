import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { parseResumeToken, type ResumeToken } from '../../../src/operation/resume-token.js';
import { thrown } from '../../helpers/thrown.js';

/** `value`, when given (even as undefined), is the rejected value the error must keep. */
function expectInvalid(input: unknown, argument: string, ...value: [unknown?]): void {
  const error = thrown(() => parseResumeToken(input));
  expect(error).to.be.instanceOf(InvalidArgumentError);
  const invalid = error as InvalidArgumentError;
  expect(invalid.argument).to.equal(argument);
  expect(invalid.message).to.include(`\`${argument}\``);
  if (value.length > 0) expect(invalid.value).to.deep.equal(value[0]);
}

describe('parseResumeToken', () => {
  const full: ResumeToken = {
    version: 1,
    name: 'operations/export-7',
    responseType: 'example.v1.ExportResponse',
    metadataType: 'example.v1.ExportMetadata',
    polling: { strategy: 'poll', initialDelayMs: 0, jitter: 0 },
  };

  describe('accepted', () => {
    it('an object with every field', () => {
      expect(parseResumeToken(full)).to.deep.equal(full);
    });

    it('the minimal token: version and name', () => {
      expect(parseResumeToken({ version: 1, name: 'operations/1' })).to.deep.equal({ version: 1, name: 'operations/1' });
    });

    it('its JSON text', () => {
      expect(parseResumeToken(JSON.stringify(full))).to.deep.equal(full);
      expect(parseResumeToken('{ "version": 1, "name": "operations/1" }')).to.deep.equal({ version: 1, name: 'operations/1' });
    });

    it('round-trips through JSON.stringify (what toJSON produces)', () => {
      const token = parseResumeToken(full);
      expect(parseResumeToken(JSON.parse(JSON.stringify(token)))).to.deep.equal(full);
    });

    it('optional fields left undefined', () => {
      expect(parseResumeToken({ version: 1, name: 'o', responseType: undefined, metadataType: undefined }))
        .to.deep.equal({ version: 1, name: 'o', responseType: undefined, metadataType: undefined });
    });
  });

  describe('rejected, naming what is wrong', () => {
    const text = '{"version":1,"name":';
    it('JSON text that does not parse', () => expectInvalid(text, 'token', text));
    it('an empty string', () => expectInvalid('', 'token', ''));
    it('JSON text of a non-object', () => {
      expectInvalid('"operations/1"', 'token', '"operations/1"');
      expectInvalid('[1]', 'token', '[1]');
      expectInvalid('1', 'token', '1');
      expectInvalid('null', 'token', 'null');
    });
    it('a non-object', () => {
      expectInvalid(null, 'token', null);
      expectInvalid(undefined, 'token', undefined);
      expectInvalid(1, 'token', 1);
      expectInvalid(true, 'token', true);
      expectInvalid([{ version: 1, name: 'o' }], 'token');
    });

    it('a missing version', () => expectInvalid({ name: 'o' }, 'token.version', undefined));
    it('version 2', () => expectInvalid({ version: 2, name: 'o' }, 'token.version', 2));
    it("version '1' (a string)", () => expectInvalid({ version: '1', name: 'o' }, 'token.version', '1'));
    it('version 0', () => expectInvalid('{"version":0,"name":"o"}', 'token.version', 0));

    it('a missing name', () => expectInvalid({ version: 1 }, 'token.name', undefined));
    it('an empty name', () => expectInvalid({ version: 1, name: '' }, 'token.name', ''));
    it('a null name', () => expectInvalid('{"version":1,"name":null}', 'token.name', null));
    it('a numeric name', () => expectInvalid({ version: 1, name: 7 }, 'token.name', 7));

    it('an unknown key (the value is the key)', () => {
      expectInvalid({ version: 1, name: 'o', latest: { done: true } }, 'token', 'latest');
      expectInvalid('{"version":1,"name":"o","credentials":"secret"}', 'token', 'credentials');
    });

    it('a non-string responseType', () => expectInvalid({ version: 1, name: 'o', responseType: 5 }, 'token.responseType', 5));
    it('a null responseType', () => expectInvalid('{"version":1,"name":"o","responseType":null}', 'token.responseType', null));
    it('a non-string metadataType', () => expectInvalid({ version: 1, name: 'o', metadataType: { type: 'x' } }, 'token.metadataType', { type: 'x' }));

    // BUG (src/operation/resume-token.ts): `polling` is not checked at all, so
    // parseResumeToken returns a "ResumeToken" whose polling is a string, and
    // client.resume() then reports it as `options.polling` (an argument the caller never
    // passed) instead of `token.polling`.
    it('a polling field that is not an object, naming token.polling', () => {
      expectInvalid({ version: 1, name: 'o', polling: 'fast' }, 'token.polling', 'fast');
    });
  });
});
