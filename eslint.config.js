// Flat config: typescript-eslint's type-aware recommended rules on src and test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * A flat-config block that forbids `files` from importing the given folders of src/
 * (or `index` for the public barrel): `../client/x.js`, `../../src/client/x.js` alike.
 */
function layer(files, name, forbidden) {
  const patterns = forbidden.map((folder) => ({
    regex: folder === 'index' ? '(^|/)\\.\\./index\\.js$'
      : folder === 'testing.js' ? '(^|/)\\.\\./testing\\.js$'
        : `(^|/)\\.\\./${folder}/`,
    message: `${name} must not import ${folder === 'index' ? 'the public barrel' : folder}: see DEVELOPERS.md, "Layout and data flow".`,
  }));
  return [{ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

/** The modules `src/browser.ts` reaches (besides src/http/, a browser-safe leaf of its own). */
const BROWSER_GRAPH = [
  'src/browser.ts', 'src/errors.ts', 'src/types.ts', 'src/code.ts', 'src/transient.ts', 'src/validation.ts', 'src/debug-log.ts',
  'src/client/browser-client.ts', 'src/client/client-core.ts', 'src/client/client-options.ts', 'src/client/interceptor.ts',
  'src/client/pagination.ts', 'src/client/requests.ts', 'src/client/retry.ts',
  'src/operation/**', 'src/poller/**', 'src/options/**', 'src/time/**',
  'src/any/portable-type-registry.ts', 'src/any/plain-*.ts', 'src/any/rpc-status.ts', 'src/any/equality.ts', 'src/any/well-known.ts',
  'src/transport/http-transport.ts', 'src/transport/transport.ts',
  'src/telemetry/**',
];

export default tseslint.config(
  { ignores: ['dist/', 'docs/api/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // API.md: an aborted signal rejects with the signal's reason as given (any value),
      // and handles rethrow the typed errors they caught; literals are still refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  // The layering of src/ (DEVELOPERS.md "Layout and data flow"): an import against it
  // fails the lint. Each layer lists the folders it must not import.
  ...layer(['src/errors.ts', 'src/types.ts', 'src/validation.ts', 'src/code.ts', 'src/transient.ts', 'src/debug-log.ts', 'src/time/**', 'src/any/**', 'src/options/**'],
    'a leaf', ['transport', 'client', 'poller', 'operation', 'testing', 'cli', 'index', 'testing.js', 'telemetry']),
  // OpenTelemetry spans: a leaf the client and the handle call into; it knows no transport
  // class (it reads a transport's shape) and imports only the leaves.
  ...layer(['src/telemetry/**'], 'src/telemetry', ['transport', 'client', 'poller', 'operation', 'testing', 'cli', 'index', 'testing.js']),
  // src/http/ is a leaf that must also run outside Node (browsers, workers, Deno, Bun):
  // no `node:` built-in (nor a leaf that loads one, like any/proto-files.ts) and no Node global.
  ...layer(['src/http/**'], 'src/http (a browser-safe leaf)', ['transport', 'client', 'poller', 'operation', 'testing', 'cli', 'index', 'testing.js']).map((block) => ({
    ...block,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...block.rules['no-restricted-imports'][1].patterns,
          { regex: '^node:|^(fs|path|module|url|http|https|net|stream|buffer|util)$', message: 'src/http must not import Node built-ins: it runs in browsers.' },
          { regex: '(^|/)proto-files\\.js$', message: 'src/http must not import proto-files.js (it reads the file system).' },
        ],
      }],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'setImmediate', 'require', '__dirname', 'global'],
    },
  })),
  // The browser entry's import graph (src/browser.ts): nothing that needs Node, gRPC or
  // google-auth-library, so `longrunning-client/browser` bundles for browsers, workers
  // and edge runtimes (docs/browser.md; scripts/check-bundle.mjs checks the bundle).
  // A separate rule name, so the folders' layering rules above still apply; type-only
  // imports are allowed (they leave no trace at run time).
  {
    files: BROWSER_GRAPH,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^node:|^(fs|path|module|url|http|https|http2|net|tls|stream|buffer|util|events|os|crypto|zlib|child_process|worker_threads)$', message: 'The browser entry must not import Node built-ins (docs/browser.md).' },
          { regex: '^(@grpc/|google-gax|google-auth-library|gcp-metadata|gaxios)', allowTypeImports: true, message: 'The browser entry must not import gRPC or Google auth libraries (docs/browser.md).' },
          { regex: '(^|/)(proto-files|type-registry|operations-client|grpc-transport|grpc-errors|codec|index|testing)\\.js$', allowTypeImports: true, message: 'The browser entry must not import this module: it loads gRPC or reads protos from disk (docs/browser.md).' },
        ],
      }],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'setImmediate', 'require', '__dirname', '__filename', 'global'],
    },
  },
  ...layer(['src/transport/**'], 'the transport', ['client', 'poller', 'operation', 'testing', 'cli', 'index']),
  ...layer(['src/poller/**'], 'the poller', ['transport', 'client', 'operation', 'testing', 'cli', 'index']),
  ...layer(['src/operation/**'], 'the operation handle', ['transport', 'client', 'testing', 'cli', 'index']),
  ...layer(['src/client/**'], 'the client', ['testing', 'cli', 'index']),
  ...layer(['src/testing/**'], 'the embedded server', ['client', 'poller', 'operation', 'cli', 'index']),
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node ESM scripts (scripts/test-pack.mjs): no type information, Node globals.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    // A mocha reporter must be CommonJS.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // chai's `expect(x).to.be.true` style is an expression statement.
      '@typescript-eslint/no-unused-expressions': 'off',
      // Fakes and bad-input tables use `any` and odd values on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      // Abort reasons that are not Errors are part of what is tested.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
);
