/**
 * `HttpBindings` (src/http/http-rule.ts): the defaults of operations.proto, rules that
 * replace them per selector (the seed's `users/*` example end to end: list, get,
 * cancel, delete, wait), `additionalBindings` in order, binding requests (path, query,
 * body) and routing URLs back, and every validation error of a rule.
 */
import { expect } from 'chai';
import { InvalidArgumentError } from '../../../src/errors.js';
import { HttpBindings, selectorOf, type HttpRule } from '../../../src/http/http-rule.js';
import type { OperationsMethod } from '../../../src/types.js';

const none = new URLSearchParams();

/** The seed's example: operations kept under `users/*`. */
const usersRules: HttpRule[] = [
  { selector: selectorOf('ListOperations'), get: '/v1/{name=users/*}/operations' },
  { selector: selectorOf('GetOperation'), get: '/v1/{name=users/*/operations/*}' },
  { selector: selectorOf('DeleteOperation'), delete: '/v1/{name=users/*/operations/*}' },
  { selector: selectorOf('CancelOperation'), post: '/v1/{name=users/*/operations/*}:cancel', body: '*' },
  { selector: selectorOf('WaitOperation'), post: '/v1/{name=users/*/operations/*}:wait', body: '*' },
];

/** The InvalidArgumentError `build` throws. */
function refusal(build: () => unknown): InvalidArgumentError {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('HttpBindings (src/http/http-rule.ts)', () => {
  describe('the defaults of operations.proto', () => {
    const bindings = new HttpBindings();

    it('binds each method as operations.proto does, and WaitOperation not at all', () => {
      expect(bindings.bindingsOf('ListOperations')).to.deep.equal(['GET /v1/{name=operations}']);
      expect(bindings.bindingsOf('GetOperation')).to.deep.equal(['GET /v1/{name=operations/**}']);
      expect(bindings.bindingsOf('DeleteOperation')).to.deep.equal(['DELETE /v1/{name=operations/**}']);
      expect(bindings.bindingsOf('CancelOperation')).to.deep.equal(['POST /v1/{name=operations/**}:cancel']);
      expect(bindings.bindingsOf('WaitOperation')).to.deep.equal([]);
      expect(bindings.has('GetOperation')).to.equal(true);
      expect(bindings.has('WaitOperation')).to.equal(false);
    });

    it('gets, deletes and cancels by name; cancel sends every unbound field (none) as the body', () => {
      expect(bindings.bind('GetOperation', { name: 'operations/a b/c' }))
        .to.deep.equal({ verb: 'GET', path: '/v1/operations/a%20b/c', query: [], body: undefined });
      expect(bindings.bind('DeleteOperation', { name: 'operations/x' }))
        .to.deep.equal({ verb: 'DELETE', path: '/v1/operations/x', query: [], body: undefined });
      expect(bindings.bind('CancelOperation', { name: 'operations/x' }))
        .to.deep.equal({ verb: 'POST', path: '/v1/operations/x:cancel', query: [], body: {} });
    });

    it('lists with the unbound fields in the query under their JSON names, defaults left out', () => {
      expect(bindings.bind('ListOperations', {
        name: 'operations', filter: 'done = false', pageSize: 50, pageToken: 'tok', returnPartialSuccess: true,
      }).query).to.deep.equal([
        ['filter', 'done = false'], ['pageSize', '50'], ['pageToken', 'tok'], ['returnPartialSuccess', 'true'],
      ]);
      expect(bindings.bind('ListOperations', {
        name: 'operations', filter: '', pageSize: 0, pageToken: undefined, returnPartialSuccess: false,
      })).to.deep.equal({ verb: 'GET', path: '/v1/operations', query: [], body: undefined });
      expect(bindings.bind('ListOperations', { name: 'operations', filter: null }).query).to.deep.equal([]);
    });

    it('ignores keys that are not fields of the request', () => {
      expect(bindings.bind('GetOperation', { name: 'operations/x', timeoutMs: 5 }).query).to.deep.equal([]);
    });

    it('refuses a name that matches no binding, naming it and the bindings tried', () => {
      const error = refusal(() => bindings.bind('GetOperation', { name: 'users/alice/operations/x' }));
      expect(error.argument).to.equal('request.name');
      expect(error.value).to.equal('users/alice/operations/x');
      expect(error.message).to.contain('GET /v1/{name=operations/**}');
      // The bare collection is not an operation ("**" takes one segment or more).
      expect(refusal(() => bindings.bind('GetOperation', { name: 'operations' })).value).to.equal('operations');
      expect(refusal(() => bindings.bind('ListOperations', { name: '' })).argument).to.equal('request.name');
    });

    it('refuses a method without a binding', () => {
      const error = refusal(() => bindings.bind('WaitOperation', { name: 'operations/x' }));
      expect(error.argument).to.equal('method');
      expect(error.value).to.equal('WaitOperation');
      expect(error.message).to.contain('google.longrunning.Operations.WaitOperation has none');
    });

    it('refuses a query field that has no text form', () => {
      const error = refusal(() => bindings.bind('ListOperations', { name: 'operations', filter: { a: 1 } }));
      expect(error.argument).to.equal('request.filter');
    });

    it('routes GET /v1/operations to ListOperations and GET /v1/operations/x to GetOperation', () => {
      expect(bindings.route('GET', '/v1/operations', none, undefined))
        .to.deep.equal({ method: 'ListOperations', request: { name: 'operations' } });
      expect(bindings.route('GET', '/v1/operations/x/y', none, undefined))
        .to.deep.equal({ method: 'GetOperation', request: { name: 'operations/x/y' } });
      expect(bindings.route('DELETE', '/v1/operations/x', none, undefined))
        .to.deep.equal({ method: 'DeleteOperation', request: { name: 'operations/x' } });
      expect(bindings.route('post', '/v1/operations/x:cancel', none, undefined))
        .to.deep.equal({ method: 'CancelOperation', request: { name: 'operations/x' } });
    });

    it('routes query parameters: numbers and booleans converted, "+" as a space, unknown ones kept', () => {
      const query = new URLSearchParams('filter=done+%3D+false&pageSize=25&pageToken=t&returnPartialSuccess=true&extra=1');
      expect(bindings.route('GET', '/v1/operations', query, undefined)).to.deep.equal({
        method: 'ListOperations',
        request: { name: 'operations', filter: 'done = false', pageSize: 25, pageToken: 't', returnPartialSuccess: true, extra: '1' },
      });
      const odd = new URLSearchParams('pageSize=many&returnPartialSuccess=yes&page_token=p&name=other');
      expect(bindings.route('GET', '/v1/operations', odd, undefined)?.request).to.deep.equal({
        name: 'operations', pageSize: 'many', returnPartialSuccess: 'yes', pageToken: 'p',
      });
    });

    it('routes a body "*" object (path variables win) and ignores one that is not an object', () => {
      expect(bindings.route('POST', '/v1/operations/x:cancel', none, { name: 'operations/y', other: 1 }))
        .to.deep.equal({ method: 'CancelOperation', request: { name: 'operations/x', other: 1 } });
      expect(bindings.route('POST', '/v1/operations/x:cancel', none, ['a'])?.request).to.deep.equal({ name: 'operations/x' });
    });

    it('routes nothing for an unbound verb or path', () => {
      expect(bindings.route('POST', '/v1/operations/x:wait', none, {})).to.equal(undefined);
      expect(bindings.route('PUT', '/v1/operations/x', none, {})).to.equal(undefined);
      expect(bindings.route('GET', '/v2/operations', none, undefined)).to.equal(undefined);
      expect(bindings.route('GET', '/v1/operations/', none, undefined)).to.equal(undefined);
    });

    it('lists the verbs bound at a path, for a 405', () => {
      expect(bindings.verbsFor('/v1/operations/x')).to.deep.equal(['GET', 'DELETE']);
      expect(bindings.verbsFor('/v1/operations')).to.deep.equal(['GET']);
      expect(bindings.verbsFor('/v2/x')).to.deep.equal([]);
    });
  });

  describe('waitBinding', () => {
    it('adds POST /v1/{name=operations/**}:wait with body "*", the timeout as a Duration in the body', () => {
      const bindings = new HttpBindings(undefined, { waitBinding: true });
      expect(bindings.bindingsOf('WaitOperation')).to.deep.equal(['POST /v1/{name=operations/**}:wait']);
      expect(bindings.bind('WaitOperation', { name: 'operations/x', timeout: '5s' }))
        .to.deep.equal({ verb: 'POST', path: '/v1/operations/x:wait', query: [], body: { timeout: '5s' } });
      expect(bindings.route('POST', '/v1/operations/x:wait', none, { timeout: '1.5s' }))
        .to.deep.equal({ method: 'WaitOperation', request: { name: 'operations/x', timeout: '1.5s' } });
      expect(bindings.verbsFor('/v1/operations/x:wait')).to.deep.equal(['GET', 'POST', 'DELETE']);
    });

    it('is not used when a rule binds WaitOperation', () => {
      const bindings = new HttpBindings(
        [{ selector: selectorOf('WaitOperation'), get: '/v1/{name=operations/**}:wait' }], { waitBinding: true });
      expect(bindings.bindingsOf('WaitOperation')).to.deep.equal(['GET /v1/{name=operations/**}:wait']);
      expect(bindings.bind('WaitOperation', { name: 'operations/x', timeout: '2s' }))
        .to.deep.equal({ verb: 'GET', path: '/v1/operations/x:wait', query: [['timeout', '2s']], body: undefined });
    });
  });

  describe('the users/* example', () => {
    const bindings = new HttpBindings(usersRules);
    const name = 'users/alice/operations/op 1';

    it('lists with the parent name', () => {
      expect(bindings.bind('ListOperations', { name: 'users/alice', pageSize: 2 }))
        .to.deep.equal({ verb: 'GET', path: '/v1/users/alice/operations', query: [['pageSize', '2']], body: undefined });
      expect(bindings.route('GET', '/v1/users/alice/operations', new URLSearchParams('pageSize=2'), undefined))
        .to.deep.equal({ method: 'ListOperations', request: { name: 'users/alice', pageSize: 2 } });
    });

    const cases: Array<[OperationsMethod, string, string, unknown]> = [
      ['GetOperation', 'GET', '/v1/users/alice/operations/op%201', undefined],
      ['DeleteOperation', 'DELETE', '/v1/users/alice/operations/op%201', undefined],
      ['CancelOperation', 'POST', '/v1/users/alice/operations/op%201:cancel', {}],
      ['WaitOperation', 'POST', '/v1/users/alice/operations/op%201:wait', {}],
    ];
    for (const [method, verb, path, body] of cases) {
      it(`binds and routes ${method}`, () => {
        expect(bindings.bind(method, { name })).to.deep.equal({ verb, path, query: [], body });
        expect(bindings.route(verb, path, none, body)).to.deep.equal({ method, request: { name } });
      });
    }

    it('no longer accepts the default names', () => {
      expect(refusal(() => bindings.bind('GetOperation', { name: 'operations/x' })).message)
        .to.contain('GET /v1/{name=users/*/operations/*}');
      expect(bindings.route('GET', '/v1/operations/x', none, undefined)).to.equal(undefined);
    });
  });

  describe('rules', () => {
    it('replace only the selectors they name', () => {
      const bindings = new HttpBindings([{ selector: selectorOf('GetOperation'), get: '/v2/{name=operations/**}' }]);
      expect(bindings.bindingsOf('GetOperation')).to.deep.equal(['GET /v2/{name=operations/**}']);
      expect(bindings.bindingsOf('DeleteOperation')).to.deep.equal(['DELETE /v1/{name=operations/**}']);
      expect(new HttpBindings([]).bindingsOf('GetOperation')).to.deep.equal(['GET /v1/{name=operations/**}']);
    });

    it('try additionalBindings in order after the main binding; the first that matches wins', () => {
      const bindings = new HttpBindings([{
        selector: selectorOf('GetOperation'),
        get: '/v1/{name=users/*/operations/*}',
        additionalBindings: [
          { get: '/v1/{name=projects/*/operations/**}' },
          { post: '/v1/{name=projects/a/operations/*}:get', body: '*' },
          { get: '/v1/{name=operations/**}' },
        ],
      }]);
      expect(bindings.bindingsOf('GetOperation')).to.deep.equal([
        'GET /v1/{name=users/*/operations/*}', 'GET /v1/{name=projects/*/operations/**}',
        'POST /v1/{name=projects/a/operations/*}:get', 'GET /v1/{name=operations/**}',
      ]);
      expect(bindings.bind('GetOperation', { name: 'users/u/operations/1' }).path).to.equal('/v1/users/u/operations/1');
      expect(bindings.bind('GetOperation', { name: 'projects/a/operations/1' }).verb).to.equal('GET');
      expect(bindings.bind('GetOperation', { name: 'operations/1' }).path).to.equal('/v1/operations/1');
      expect(bindings.route('POST', '/v1/projects/a/operations/1:get', none, {}))
        .to.deep.equal({ method: 'GetOperation', request: { name: 'projects/a/operations/1' } });
      const error = refusal(() => bindings.bind('GetOperation', { name: 'folders/f' }));
      expect(error.message).to.contain('GET /v1/{name=users/*/operations/*}, GET /v1/{name=projects/*/operations/**}');
    });

    it('send a named body field as the body and the rest in the query', () => {
      const bindings = new HttpBindings([
        { selector: selectorOf('ListOperations'), post: '/v1/operations:search', body: 'filter' },
        { selector: selectorOf('WaitOperation'), post: '/v1/{name=operations/**}:wait', body: 'timeout' },
      ]);
      expect(bindings.bind('ListOperations', { name: 'operations', filter: 'done', pageSize: 3 }))
        .to.deep.equal({ verb: 'POST', path: '/v1/operations:search', query: [['name', 'operations'], ['pageSize', '3']], body: 'done' });
      expect(bindings.route('POST', '/v1/operations:search', new URLSearchParams('name=operations'), 'done'))
        .to.deep.equal({ method: 'ListOperations', request: { name: 'operations', filter: 'done' } });
      expect(bindings.bind('WaitOperation', { name: 'operations/x', timeout: '3s' }).body).to.equal('3s');
    });

    it('accept a proto field name as body and store its JSON name', () => {
      const bindings = new HttpBindings([{ selector: selectorOf('ListOperations'), post: '/v1/operations:list', body: 'page_token' }]);
      expect(bindings.bind('ListOperations', { name: 'operations', pageToken: 't' }).body).to.equal('t');
    });

    it('name errors after the given argument option', () => {
      expect(refusal(() => new HttpBindings([{}], { argument: 'options.httpRules' })).argument)
        .to.equal('options.httpRules[0].selector');
    });
  });

  describe('validation', () => {
    const get = selectorOf('GetOperation');
    const refused: Array<[string, unknown, string, unknown, string]> = [
      ['rules that are not an array', { selector: get }, 'httpRules', undefined, 'an array of google.api.HttpRule objects'],
      ['a rule that is not an object', [{ selector: get, get: '/v1/{name=operations/**}' }, 'x'], 'httpRules[1]', 'x', 'a google.api.HttpRule object'],
      ['a null rule', [null], 'httpRules[0]', null, 'a google.api.HttpRule object'],
      ['an array rule', [[]], 'httpRules[0]', undefined, 'a google.api.HttpRule object'],
      ['a missing selector', [{ get: '/v1/x' }], 'httpRules[0].selector', undefined, 'google.longrunning.Operations.GetOperation'],
      ['a selector of another service', [{ selector: 'google.example.Library.GetBook', get: '/v1/x' }], 'httpRules[0].selector', 'google.example.Library.GetBook', 'the fully qualified name of a google.longrunning.Operations method'],
      ['an unknown Operations method', [{ selector: 'google.longrunning.Operations.Foo', get: '/v1/x' }], 'httpRules[0].selector', 'google.longrunning.Operations.Foo', 'google.longrunning.Operations.ListOperations'],
      ['a selector that is not a string', [{ selector: 7, get: '/v1/x' }], 'httpRules[0].selector', 7, 'the fully qualified name'],
      ['a repeated selector', [{ selector: get, get: '/v1/{name=a/*}' }, { selector: get, get: '/v1/{name=b/*}' }], 'httpRules[1].selector', get, 'httpRules[0] already binds'],
      ['an unknown key', [{ selector: get, get: '/v1/{name=operations/**}', methdo: 'x' }], 'httpRules[0].methdo', 'x', '"methdo" is not a field of google.api.HttpRule'],
      ['a snake_case additional_bindings', [{ selector: get, get: '/v1/{name=operations/**}', additional_bindings: [] }], 'httpRules[0].additional_bindings', undefined, 'did you mean `additionalBindings`'],
      ['custom', [{ selector: get, custom: { kind: 'HEAD', path: '/v1/x' } }], 'httpRules[0].custom', undefined, 'custom HTTP methods are not supported'],
      ['responseBody', [{ selector: get, get: '/v1/{name=operations/**}', responseBody: 'done' }], 'httpRules[0].responseBody', 'done', 'responseBody is not supported'],
      ['no verb', [{ selector: get }], 'httpRules[0]', undefined, 'exactly one of get, put, post, delete, patch (it has none)'],
      ['two verbs', [{ selector: get, get: '/v1/{name=operations/**}', post: '/v1/{name=operations/**}' }], 'httpRules[0]', undefined, '(it has get and post)'],
      ['a template that is not a string', [{ selector: get, get: 5 }], 'httpRules[0].get', 5, 'it is not a string'],
      ['a malformed template', [{ selector: get, get: '/v1/{name=operations/**' }], 'httpRules[0].get', '/v1/{name=operations/**', 'the "{" at index 4 is never closed'],
      ['an anonymous wildcard', [{ selector: get, get: '/v1/*/{name=operations/**}' }], 'httpRules[0].get', '/v1/*/{name=operations/**}', 'are all inside variables'],
      ['a variable that is no field', [{ selector: get, get: '/v1/{id}' }], 'httpRules[0].get', '/v1/{id}', '"id" is not'],
      ['a variable that is not a string field', [{ selector: selectorOf('ListOperations'), get: '/v1/{pageSize}' }], 'httpRules[0].get', '/v1/{pageSize}', 'string fields of the ListOperations request (name, filter, pageToken)'],
      ['a body on a GET', [{ selector: get, get: '/v1/{name=operations/**}', body: '*' }], 'httpRules[0].body', '*', 'absent on a GET binding'],
      ['a body the method lacks', [{ selector: selectorOf('CancelOperation'), post: '/v1/{name=operations/**}:cancel', body: 'reason' }], 'httpRules[0].body', 'reason', '"*" or a field of the CancelOperation request (name)'],
      ['a body that is not a string', [{ selector: selectorOf('CancelOperation'), post: '/v1/x:cancel', body: true }], 'httpRules[0].body', true, '"*" or a field'],
      ['a body bound by the path', [{ selector: selectorOf('CancelOperation'), post: '/v1/{name=operations/**}:cancel', body: 'name' }], 'httpRules[0].body', 'name', 'a field the path does not bind'],
      ['additionalBindings that are not an array', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: {} }], 'httpRules[0].additionalBindings', undefined, 'an array of google.api.HttpRule objects'],
      ['an additional binding that is not an object', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: [1] }], 'httpRules[0].additionalBindings[0]', 1, 'a google.api.HttpRule object'],
      ['nested additionalBindings', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: [{ get: '/v2/{name=operations/**}', additionalBindings: [] }] }], 'httpRules[0].additionalBindings[0].additionalBindings', undefined, 'cannot have additional bindings of their own'],
      ['an additional binding of another selector', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: [{ selector: selectorOf('ListOperations'), get: '/v2/{name=operations}' }] }], 'httpRules[0].additionalBindings[0].selector', selectorOf('ListOperations'), 'an additional binding binds its rule\'s method'],
      ['a bad template in an additional binding', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: [{ get: '/v2//x' }] }], 'httpRules[0].additionalBindings[0].get', '/v2//x', 'a segment is empty at index 4'],
      ['an unknown key in an additional binding', [{ selector: get, get: '/v1/{name=operations/**}', additionalBindings: [{ get: '/v2/{name=operations/**}', bdy: '*' }] }], 'httpRules[0].additionalBindings[0].bdy', '*', '(fields: selector, get, put, post, delete, patch, body)'],
    ];
    for (const [label, rules, argument, value, expectation] of refused) {
      it(`refuses ${label} with an InvalidArgumentError naming ${argument}`, () => {
        const error = refusal(() => new HttpBindings(rules as HttpRule[]));
        expect(error.argument).to.equal(argument);
        if (value !== undefined) expect(error.value).to.deep.equal(value);
        expect(error.message).to.contain(expectation);
      });
    }

    it('treats keys whose value is undefined as absent', () => {
      const bindings = new HttpBindings([{ selector: get, get: '/v2/{name=operations/**}', post: undefined } as unknown as HttpRule]);
      expect(bindings.bindingsOf('GetOperation')).to.deep.equal(['GET /v2/{name=operations/**}']);
    });
  });
});
