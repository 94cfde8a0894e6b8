import { describe, expect, it } from '@jest/globals';
import type { CapturedRequest, CapturedResponse } from './captured-exchange.ts';
import { compareExchanges } from './compare/compare-exchanges.ts';
import { compilePathPattern } from './compare/json-path.ts';
import { templateParamPositions } from '../routing/redact-path.ts';
import { createRedactor, REDACTED } from './redact.ts';

const person = {
  Id: 7,
  Email: 'ann@example.com',
  Contacts: [{ Email: 'bob@example.com', Phone: '555-1234' }],
};

function request(overrides: Partial<CapturedRequest> = {}): CapturedRequest {
  return {
    method: 'POST',
    path: '/api/people',
    query: 'email=ann%40example.com&page=2',
    headers: {
      authorization: 'Bearer secret-token',
      cookie: 'session=abc',
      'x-api-key': 'k-123',
      'content-type': 'application/json',
      'x-tenant-id': 't1',
    },
    body: Buffer.from(JSON.stringify(person)),
    requestId: 'r1',
    ...overrides,
  };
}

describe('redaction before storage', () => {
  it('masks credentials always, configured headers and query parameters, and personal-data paths', () => {
    const redactor = createRedactor({
      headers: ['X-Api-Key'],
      queryParameters: ['Email'],
      jsonPaths: ['$..Email'],
    });
    const stored = redactor.request(request());
    expect(stored.headers).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'x-api-key': REDACTED,
      'content-type': 'application/json',
      'x-tenant-id': 't1',
    });
    expect(stored.query).toBe('email=%5BREDACTED%5D&page=2');
    expect(stored.bodyKind).toBe('json');
    expect(stored.body).toEqual({
      Id: 7,
      Email: REDACTED,
      Contacts: [{ Email: REDACTED, Phone: '555-1234' }],
    });
    expect(JSON.stringify(stored)).not.toMatch(/secret-token|abc|k-123|ann@|bob@/);
  });

  it('masks the path segments of personal-data template parameters, keeping the rest as received', () => {
    const template = '/api/users/{email}/orders/{orderId}/notes/{Note}';
    expect(templateParamPositions(template, ['email', 'note'])).toEqual([2, 6]);
    expect(templateParamPositions(template, [])).toEqual([]);
    const redactor = createRedactor();
    const stored = redactor.request(
      request({
        method: 'GET',
        path: '/api/users/ann%40example.com/orders/42/notes/Call%20Ann',
        body: Buffer.alloc(0),
      }),
      [],
      templateParamPositions(template, ['email', 'Note']),
    );
    expect(stored.path).toBe(`/api/users/${REDACTED}/orders/42/notes/${REDACTED}`);
    // A request path shorter than the template (it cannot have matched; nothing to mask) stays as it is.
    expect(redactor.request(request({ path: '/api/users' }), [], [2]).path).toBe('/api/users');
    expect(redactor.request(request(), []).path).toBe('/api/people');
  });

  it('masks every Set-Cookie of a response and adds the route’s own personal-data paths', () => {
    const redactor = createRedactor();
    const response: CapturedResponse = {
      status: 200,
      headers: { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(person)),
    };
    const stored = redactor.response(response, [compilePathPattern('$.Contacts[*].Phone')]);
    expect(stored.headers['set-cookie']).toEqual([REDACTED, REDACTED]);
    expect(stored.body).toEqual({
      Id: 7,
      Email: 'ann@example.com',
      Contacts: [{ Email: 'bob@example.com', Phone: REDACTED }],
    });
  });

  it('does not keep text bodies of a route with personal-data rules, only their hash', () => {
    const redactor = createRedactor({ jsonPaths: ['$..Email'] });
    const stored = redactor.request(
      request({ headers: { 'content-type': 'text/plain' }, body: Buffer.from('email ann@example.com') }),
    );
    expect(stored).toMatchObject({ bodyKind: 'omitted', bodyBytes: 21 });
    expect(JSON.stringify(stored)).not.toContain('ann@');
    const plain = createRedactor().request(request({ headers: { 'content-type': 'text/plain' } }));
    expect(plain).toMatchObject({ bodyKind: 'text', body: JSON.stringify(person) });
  });

  it('masks the values of differences found in personal-data fields, keeping their paths', () => {
    const redactor = createRedactor({ jsonPaths: ['$..Email'] });
    const legacy: CapturedResponse = { status: 200, headers: {}, body: Buffer.from(JSON.stringify(person)) };
    const changed = { ...person, Email: 'ANN@example.com', Contacts: [], Extra: { Email: 'x@y.z', Ok: 1 } };
    const candidate: CapturedResponse = {
      status: 200,
      headers: {},
      body: Buffer.from(JSON.stringify(changed)),
    };
    const differences = redactor.differences(compareExchanges(legacy, candidate).differences);
    expect(differences).toEqual([
      { path: '$.Email', kind: 'changed', legacy: REDACTED, new: REDACTED },
      {
        path: '$.Contacts[0]',
        kind: 'missing',
        legacy: { Email: REDACTED, Phone: '555-1234' },
        new: undefined,
      },
      { path: '$.Extra', kind: 'added', legacy: undefined, new: { Email: REDACTED, Ok: 1 } },
    ]);
  });

  it('masks personal data whatever the case of its member names, as legacy binds them', () => {
    const redactor = createRedactor({ jsonPaths: ['$..Email', '$..DateOfBirth'] });
    const body = {
      email: 'ann@example.com',
      DATEOFBIRTH: '1990-01-01',
      Nested: [{ eMaIl: 'bob@example.com' }],
    };
    const stored = redactor.request(request({ body: Buffer.from(JSON.stringify(body)) }), [
      compilePathPattern('$.Notes'),
    ]);
    expect(stored.body).toEqual({ email: REDACTED, DATEOFBIRTH: REDACTED, Nested: [{ eMaIl: REDACTED }] });
    const notes = redactor.response(
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ notes: 'knee injury', Other: 1 })),
      },
      [compilePathPattern('$.Notes')],
    );
    expect(notes.body).toEqual({ notes: REDACTED, Other: 1 });
    const [difference] = redactor.differences([
      { path: '$.EMAIL', kind: 'changed', legacy: 'a@example.com', new: 'b@example.com' },
    ]);
    expect(difference).toMatchObject({ legacy: REDACTED, new: REDACTED });
  });

  it('masks a personal-data key naming an element of an array compared as a set', () => {
    const redactor = createRedactor({ jsonPaths: ['$..Email'] });
    // A key value is written escaped in a path (`]` as `\]`), the mask's own bracket included.
    const masked = REDACTED.replace(']', '\\]');
    const differences = redactor.differences([
      { path: '$.Members[Email=jo@example.com].Score', kind: 'changed', legacy: 1, new: 2 },
      { path: '$.Members[Id=42].Score', kind: 'changed', legacy: 1, new: 2 },
      {
        path: '$.Members[Email=jo@example.com]',
        kind: 'missing',
        legacy: { Email: 'jo@example.com' },
        new: undefined,
      },
    ]);
    expect(differences).toEqual([
      { path: `$.Members[Email=${masked}].Score`, kind: 'changed', legacy: 1, new: 2 },
      { path: '$.Members[Id=42].Score', kind: 'changed', legacy: 1, new: 2 },
      { path: `$.Members[Email=${masked}]`, kind: 'missing', legacy: { Email: REDACTED }, new: undefined },
    ]);
  });

  it('masks differences in credential headers', () => {
    const [difference] = createRedactor().differences([
      { path: 'headers.set-cookie', kind: 'changed', legacy: 'a=1', new: 'a=2' },
    ]);
    expect(difference).toEqual({
      path: 'headers.set-cookie',
      kind: 'changed',
      legacy: REDACTED,
      new: REDACTED,
    });
  });

  it('cuts off bodies nested deeper than it stores, so masking and storage cannot overflow the stack', () => {
    const deep = `${'['.repeat(50_000)}1${']'.repeat(50_000)}`;
    const stored = createRedactor().response({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(deep),
    });
    expect(JSON.stringify(stored.body)).toContain('nested deeper than 256 levels');
  });
});
