/**
 * Makes `@opentelemetry/*` impossible to resolve in this process, as if it were not
 * installed: `node --import ./test/helpers/hide-opentelemetry.mjs ...`. Covers `import`
 * and `import()` (a module resolve hook) and `require` (the CommonJS resolver the Node
 * entry's synchronous loading goes through). Used by `npm run test:no-otel` (through
 * NODE_OPTIONS, so child processes inherit it) and by the without-opentelemetry test.
 */
import Module, { register } from 'node:module';

const HIDDEN = /^@opentelemetry\//;

const hook = `
export async function resolve(specifier, context, next) {
  if (${HIDDEN}.test(specifier)) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by hide-opentelemetry.mjs)");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function hideOpenTelemetry(request, ...rest) {
  if (HIDDEN.test(request)) {
    const error = new Error(`Cannot find module '${request}' (hidden by hide-opentelemetry.mjs)`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
