// Checks the generated API reference (docs/api) for what TypeDoc gets wrong silently:
// guide pages titled with their file name, a doubled H1 on the index page, and link
// text that shows TypeDoc's declaration-reference syntax (`longrunning-client!Foo`).
// Run by `npm run docs` after typedoc; exits 1 with one line per problem.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const api = path.join(root, 'docs', 'api');
const problems = [];

for (const file of readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md'))) {
  const text = readFileSync(path.join(root, 'docs', file), 'utf8');
  if (!/^---\n(?:.*\n)*?title: .+\n(?:.*\n)*?---\n/.test(text)) {
    problems.push(`docs/${file}: no \`title:\` front matter (TypeDoc would title the page with its file name)`);
  }
}

/** Every .html file under docs/api. */
function htmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(full);
    return entry.name.endsWith('.html') ? [full] : [];
  });
}

for (const file of htmlFiles(api)) {
  const html = readFileSync(file, 'utf8');
  // Only visible text matters: strip tags and look for the reference syntax.
  const text = html.replace(/<[^>]*>/g, ' ');
  const leak = /\blongrunning-client(?:\/testing)?!\w+/.exec(text);
  if (leak) problems.push(`${path.relative(root, file)}: link text "${leak[0]}"`);
}

const index = readFileSync(path.join(api, 'index.html'), 'utf8');
const h1s = index.match(/<h1[\s>]/g)?.length ?? 0;
if (h1s !== 1) problems.push(`docs/api/index.html: ${h1s} <h1> headings, expected 1`);

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-docs: ${problem}`);
  process.exit(1);
}
console.log('check-docs: guide titles, index heading and link texts are fine');
