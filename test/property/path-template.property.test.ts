/**
 * Property tests of `google.api.http` path templates (src/http/path-template.ts):
 * expanding variables and matching the path gives the variables back, for names with
 * reserved characters, `%` (and literal `%2F` text), spaces and Unicode; a value that
 * does not fit its pattern is never expanded; expansion leaves only unreserved
 * characters, escapes and the template's own `/` and `:`; matching any path never
 * throws, and what it matched expands to a path that matches the same way.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parsePathTemplate } from '../../src/http/path-template.js';

const RUNS = { numRuns: 300 };

/** Characters that matter to URLs and to templates, and Unicode of every UTF-8 width. */
const edge = fc.constantFrom(
  '/', '%', '%2F', '%2f', '%25', ' ', '+', ':', '?', '#', '&', '=', '*', '!', '\'', '(', ')', '~', '.', '..',
  '{', '}', '[', ']', '@', '$', ',', ';', '"', '<', '\\', '-', '_', 'a', 'Z', '0', 'é', '名', '😀', '\u00a0',
);
const text = (maxLength: number) => fc.oneof(
  fc.string({ unit: edge, maxLength }),
  fc.string({ unit: 'grapheme', maxLength }),
  fc.string({ maxLength }),
);
/** Well-formed Unicode (no unpaired surrogate: a URL cannot carry one). */
const usable = (segment: string) => segment !== '' && segment !== '.' && segment !== '..';
/** One path segment of a multi-segment value: anything but "/" and the unusable ones. */
const segment = text(8).map((value) => value.replaceAll('/', '')).filter(usable);
/** A single-segment value: anything usable, "/" included (it is escaped). */
const single = text(12).filter(usable);

describe('path templates (property)', () => {
  it('single-segment variables: match(expand(v)) gives v back, "/" escaped', () => {
    const template = parsePathTemplate('/v1/{parent=projects/*}/jobs/{id}:wait');
    fc.assert(fc.property(segment, single, (project, id) => {
      const values = { parent: `projects/${project}`, id };
      const path = template.expand(values);
      expect(path).to.be.a('string');
      expect(path!.split('/')).to.have.length(6); // '', v1, projects, project, jobs, id:wait
      expect(template.match(path!)).to.deep.equal(values);
    }), RUNS);
  });

  it('multi-segment variables: match(expand(v)) gives v back, "%2F" text included', () => {
    const templates = ['/v1/{name=operations/**}', '/v1/{name=operations/**}:cancel', '/v1/{name=users/*/operations/**}/x']
      .map((source) => parsePathTemplate(source));
    fc.assert(fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 5 }), (user, parts) => {
      for (const template of templates) {
        const name = template.source.includes('users')
          ? `users/${user}/operations/${parts.join('/')}`
          : `operations/${parts.join('/')}`;
        const path = template.expand({ name });
        expect(path).to.be.a('string');
        expect(template.match(path!)).to.deep.equal({ name });
      }
    }), RUNS);
  });

  it('any string value is expanded exactly when it fits the pattern, and then round-trips', () => {
    const template = parsePathTemplate('/v1/{name=operations/**}:cancel');
    fc.assert(fc.property(fc.oneof(text(20), fc.array(segment, { maxLength: 4 }).map((parts) => ['operations', ...parts].join('/'))), (name) => {
      const fits = name.startsWith('operations/') && name.split('/').every(usable);
      const path = template.expand({ name });
      expect(path !== undefined).to.equal(fits);
      if (path !== undefined) expect(template.match(path)).to.deep.equal({ name });
    }), RUNS);
  });

  it('expansion leaves only unreserved characters, escapes and the template\'s "/" and ":"', () => {
    const template = parsePathTemplate('/v1/{name=operations/**}:cancel');
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (parts) => {
      const path = template.expand({ name: ['operations', ...parts].join('/') })!;
      expect(path).to.match(/^\/v1\/operations(\/(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+)+:cancel$/);
    }), RUNS);
  });

  it('matching any path never throws, and what it matched expands to a path that matches the same', () => {
    const templates = ['/v1/{name=operations/**}', '/v1/{name=users/*}/operations', '/v1/{id}:wait']
      .map((source) => parsePathTemplate(source));
    const path = fc.array(fc.oneof(text(6), fc.constantFrom('v1', 'operations', 'users', '%2F', '%E5%90%8D', '%zz', '%ff')), { maxLength: 5 })
      .chain((parts) => fc.constantFrom(`/${parts.join('/')}`, `/v1/${parts.join('/')}`, `/v1/operations/${parts.join('/')}`, `/v1/${parts.join('/')}:wait`));
    fc.assert(fc.property(path, (raw) => {
      for (const template of templates) {
        const values = template.match(raw);
        if (values === undefined) continue;
        const again = template.expand(values);
        expect(again, `${template.source} on ${raw}`).to.be.a('string');
        expect(template.match(again!)).to.deep.equal(values);
      }
    }), RUNS);
  });
});
