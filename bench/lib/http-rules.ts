/**
 * The WaitOperation binding the embedded server's HTTP/JSON front-end serves (with
 * `waitOperation: true`): operations.proto defines none, so a client long-polls over
 * HTTP/JSON only when given it, as a user would through `httpRules`.
 */
import type { HttpRule } from '../../src/index.js';

export const EMBEDDED_WAIT_RULES: readonly HttpRule[] = [
  { selector: 'google.longrunning.Operations.WaitOperation', post: '/v1/{name=operations/**}:wait', body: '*' },
];
