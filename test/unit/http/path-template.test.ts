/**
 * `google.api.http` path templates (src/http/path-template.ts): the grammar, matching
 * with percent-decoding (`%2F` kept in multi-segment variables), expansion with
 * http.proto's escaping, and the decisions where http.proto is loose (`**` takes at
 * least one segment; empty, `.` and `..` segments never match; a value must fit its
 * pattern on expansion).
 */
import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { parsePathTemplate } from '../../../src/http/path-template.js';

describe('path templates (src/http/path-template.ts)', () => {
  describe('parsing', () => {
    it('reads literals, variables, their patterns and the verb', () => {
      const template = parsePathTemplate('/v1/{name=operations/**}:cancel');
      expect(template.source).to.equal('/v1/{name=operations/**}:cancel');
      expect(template.verb).to.equal('cancel');
      expect(template.variables).to.deep.equal(['name']);
      expect(template.hasAnonymousWildcards).to.equal(false);
      expect(String(template)).to.equal('/v1/{name=operations/**}:cancel');
    });

    it('reads several variables, dotted field paths and anonymous wildcards', () => {
      const template = parsePathTemplate('/v1/{parent.id}/*/{name=a/*}/**');
      expect(template.variables).to.deep.equal(['parent.id', 'name']);
      expect(template.verb).to.equal(undefined);
      expect(template.hasAnonymousWildcards).to.equal(true);
    });

    it('reads a verb after a literal segment', () => {
      const template = parsePathTemplate('/v1/operations:batchGet');
      expect(template.verb).to.equal('batchGet');
      expect(template.match('/v1/operations:batchGet')).to.deep.equal({});
      expect(template.match('/v1/operations')).to.equal(undefined);
    });

    const malformed: Array<[string, unknown, string]> = [
      ['not a string', 42, 'it is not a string'],
      ['no leading slash', 'v1/operations', 'it does not start with "/" at index 0'],
      ['only a slash', '/', 'a segment is empty at index 1'],
      ['a trailing slash', '/v1/', 'a segment is empty at index 4'],
      ['an empty segment', '/v1//x', 'a segment is empty at index 4'],
      ['an unclosed variable', '/v1/{name', 'the "{" at index 4 is never closed'],
      ['an unclosed pattern', '/v1/{name=operations/*', 'the "{" at index 4 is never closed'],
      ['a nested variable', '/v1/{name={x}}', 'a variable cannot contain a variable at index 10'],
      ['a stray "}"', '/v1/a}', 'a "}" closes no variable at index 5'],
      ['a "{" inside a segment', '/v1/a{name}', 'a "{" can only start a segment at index 5'],
      ['text after a variable', '/v1/{name}x', '"x" is not allowed here at index 10'],
      ['an empty variable name', '/v1/{}', 'the variable name "" is not a field path'],
      ['a bad field path', '/v1/{a..b}', 'the variable name "a..b" is not a field path'],
      ['a variable name with a digit first', '/v1/{1a}', 'the variable name "1a" is not a field path'],
      ['a repeated variable', '/v1/{name}/{name}', 'the variable "name" appears twice at index 12'],
      ['an empty pattern', '/v1/{name=}', 'a segment is empty at index 10'],
      ['a verb inside a variable', '/v1/{name=x:y}', '":" is not allowed inside a variable at index 11'],
      ['an empty verb', '/v1/x:', 'the verb after ":" is empty at index 6'],
      ['a verb with a slash', '/v1/x:a/b', 'the verb "a/b" is not a literal at index 6'],
      ['two "**"', '/v1/{a=**}/{b=**}', '"**" appears 2 times; at most one is allowed'],
      ['a space in a literal', '/v1/a b', '" " is not allowed in a literal segment at index 5'],
      ['a bare "%"', '/v1/a%zz', 'a "%" is not followed by two hexadecimal digits at index 5'],
      ['a "*" inside a literal', '/v1/a*', '"*" is not allowed in a literal segment at index 5'],
      ['a "." segment', '/v1/./x', 'the segment "." would be removed by URL normalization at index 4'],
      ['a ".." segment', '/v1/{name=../x}', 'the segment ".." would be removed by URL normalization at index 10'],
      ['a literal that is not UTF-8', '/v1/%ff', 'the literal "%ff" does not decode as UTF-8 at index 4'],
    ];
    for (const [label, source, problem] of malformed) {
      it(`refuses ${label}, naming the argument, the template and where`, () => {
        let caught: unknown;
        try {
          parsePathTemplate(source, 'httpRules[2].get');
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(InvalidArgumentError);
        const error = caught as InvalidArgumentError;
        expect(error.argument).to.equal('httpRules[2].get');
        expect(error.value).to.equal(source);
        expect(error.message).to.contain(problem);
      });
    }

    it('names `template` when no argument is given', () => {
      expect(() => parsePathTemplate('x')).to.throw(InvalidArgumentError, '`template`');
    });
  });

  describe('matching', () => {
    it('binds a multi-segment variable, keeping "/" and "%2F" as they are', () => {
      const template = parsePathTemplate('/v1/{name=operations/**}');
      expect(template.match('/v1/operations/a/b')).to.deep.equal({ name: 'operations/a/b' });
      expect(template.match('/v1/operations/a%2Fb')).to.deep.equal({ name: 'operations/a%2Fb' });
      expect(template.match('/v1/operations/a%2fb')).to.deep.equal({ name: 'operations/a%2fb' });
      expect(template.match('/v1/operations/a%20b%3Ac/%C3%A9')).to.deep.equal({ name: 'operations/a b:c/é' });
    });

    it('fully decodes a single-segment variable, "%2F" included', () => {
      const template = parsePathTemplate('/v1/{id}/x');
      expect(template.match('/v1/a%2Fb%25/x')).to.deep.equal({ id: 'a/b%' });
    });

    it('"**" matches one segment or more, never none', () => {
      const template = parsePathTemplate('/v1/{name=operations/**}');
      expect(template.match('/v1/operations')).to.equal(undefined);
      expect(template.match('/v1/operations/x')).to.deep.equal({ name: 'operations/x' });
    });

    it('"**" in the middle takes the slack between a fixed prefix and suffix', () => {
      const template = parsePathTemplate('/v1/{name=projects/**}/operations/{id}');
      expect(template.match('/v1/projects/a/b/c/operations/7')).to.deep.equal({ name: 'projects/a/b/c', id: '7' });
      expect(template.match('/v1/projects/operations/7')).to.equal(undefined);
    });

    it('"*" matches exactly one segment', () => {
      const template = parsePathTemplate('/v1/{name=users/*}/operations');
      expect(template.match('/v1/users/alice/operations')).to.deep.equal({ name: 'users/alice' });
      expect(template.match('/v1/users/a/b/operations')).to.equal(undefined);
      expect(template.match('/v1/users/operations')).to.equal(undefined);
    });

    it('compares literals after percent-decoding', () => {
      const template = parsePathTemplate('/v1/{name=operations}');
      expect(template.match('/v1/operations')).to.deep.equal({ name: 'operations' });
      expect(template.match('/v1/%6Fperations')).to.deep.equal({ name: 'operations' });
      expect(template.match('/v2/operations')).to.equal(undefined);
    });

    it('matches anonymous wildcards without binding them', () => {
      expect(parsePathTemplate('/v1/*/x/**').match('/v1/a/x/b/c')).to.deep.equal({});
    });

    it('requires the verb and strips only the last ":verb"', () => {
      const template = parsePathTemplate('/v1/{name=operations/**}:cancel');
      expect(template.match('/v1/operations/x:cancel')).to.deep.equal({ name: 'operations/x' });
      expect(template.match('/v1/operations/x%3Acancel:cancel')).to.deep.equal({ name: 'operations/x:cancel' });
      expect(template.match('/v1/operations/x')).to.equal(undefined);
      expect(template.match('/v1/operations/x:wait')).to.equal(undefined);
    });

    it('keeps a ":" in the last segment of a template without a verb', () => {
      expect(parsePathTemplate('/v1/{name=operations/**}').match('/v1/operations/x:cancel'))
        .to.deep.equal({ name: 'operations/x:cancel' });
    });

    const unmatched: Array<[string, string]> = [
      ['no leading slash', 'v1/operations/x'],
      ['a trailing slash', '/v1/operations/x/'],
      ['an empty segment', '/v1/operations//x'],
      ['a "." segment', '/v1/operations/./x'],
      ['a ".." segment', '/v1/operations/x/..'],
      ['an encoded "." segment', '/v1/operations/%2E'],
      ['an invalid escape', '/v1/operations/%zz'],
      ['an escape that is not UTF-8', '/v1/operations/%ff'],
      ['an empty verb target', '/v1/:cancel'],
    ];
    for (const [label, path] of unmatched) {
      it(`does not match ${label}`, () => {
        expect(parsePathTemplate('/v1/{name=operations/**}').match(path)).to.equal(undefined);
        expect(parsePathTemplate('/v1/{name=operations/**}:cancel').match(`${path}:cancel`)).to.equal(undefined);
      });
    }
  });

  describe('expansion', () => {
    it('keeps "/" in a multi-segment variable and escapes the rest but [-_.~0-9a-zA-Z]', () => {
      const template = parsePathTemplate('/v1/{name=operations/**}:cancel');
      expect(template.expand({ name: 'operations/a b/c:d%2F/é!*\'()' }))
        .to.equal('/v1/operations/a%20b/c%3Ad%252F/%C3%A9%21%2A%27%28%29:cancel');
    });

    it('escapes "/" in a single-segment variable', () => {
      expect(parsePathTemplate('/v1/{id}').expand({ id: 'a/b-_.~Z9' })).to.equal('/v1/a%2Fb-_.~Z9');
    });

    it('keeps literal segments as written', () => {
      expect(parsePathTemplate('/v1/{name=users/*}/operations').expand({ name: 'users/alice' }))
        .to.equal('/v1/users/alice/operations');
    });

    it('reads dotted field paths and numbers', () => {
      expect(parsePathTemplate('/v1/{a.b}/{n}').expand({ a: { b: 'x' }, n: 5 })).to.equal('/v1/x/5');
    });

    const unfit: Array<[string, string, unknown]> = [
      ['a value of another shape', '/v1/{name=operations/**}', 'users/x'],
      ['a collection name for "**"', '/v1/{name=operations/**}', 'operations'],
      ['too many segments for "*"', '/v1/{name=users/*}/operations', 'users/a/b'],
      ['an empty value', '/v1/{id}', ''],
      ['an empty segment', '/v1/{name=operations/**}', 'operations//x'],
      ['a trailing slash', '/v1/{name=operations/**}', 'operations/x/'],
      ['a "." segment', '/v1/{name=operations/**}', 'operations/./x'],
      ['a ".." value', '/v1/{id}', '..'],
      ['an unpaired surrogate', '/v1/{id}', 'a\ud800'],
      ['a missing field', '/v1/{id}', undefined],
      ['a non-string field', '/v1/{id}', { x: 1 }],
      ['a literal pattern with another value', '/v1/{name=operations}', 'operation'],
    ];
    for (const [label, source, value] of unfit) {
      it(`gives undefined for ${label}`, () => {
        const variable = parsePathTemplate(source).variables[0];
        expect(parsePathTemplate(source).expand(value === undefined ? {} : { [variable]: value })).to.equal(undefined);
      });
    }

    it('gives undefined for a template with an anonymous wildcard', () => {
      expect(parsePathTemplate('/v1/*/{id}').expand({ id: 'x' })).to.equal(undefined);
    });

    it('round-trips through match', () => {
      const template = parsePathTemplate('/v1/{name=users/*/operations/**}:wait');
      const name = 'users/al ice/operations/名/%2F/50%';
      expect(template.match(template.expand({ name })!)).to.deep.equal({ name });
    });
  });
});
