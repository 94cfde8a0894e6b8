import { describe, expect, it } from '@jest/globals';
import { jsonResponse } from '../handlers/new-handler.ts';
import type { HttpMethod, RouteRecord } from './route.ts';
import { createRouteTable } from './route-table.ts';
import { RouteValidationError } from './route-validation-error.ts';

const handler = async () => jsonResponse(200, { ok: true });

function route(
  id: string,
  path: string,
  methods: readonly HttpMethod[] = ['GET'],
  extra: object = {},
): RouteRecord {
  return {
    id,
    methods,
    path,
    flag: `strangler.${id}`,
    handler,
    stickiness: { kind: 'header', name: 'X-Tenant-Id' },
    ...extra,
  };
}

function problemsOf(records: readonly unknown[]): readonly string[] {
  try {
    createRouteTable(records as RouteRecord[]);
  } catch (error: unknown) {
    if (error instanceof RouteValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a RouteValidationError');
}

describe('createRouteTable validation', () => {
  it('accepts a well-formed table and exposes its routes in declaration order', () => {
    const records = [route('athletes-list', '/api/athletes'), route('athlete-get', '/api/athletes/{id}')];
    const table = createRouteTable(records);
    expect(table.routes.map((r) => r.id)).toEqual(['athletes-list', 'athlete-get']);
  });

  it('reports every problem at once instead of stopping at the first', () => {
    const problems = problemsOf([
      route('Bad_Id', '/a'),
      route('dup', '/b'),
      route('dup', '/c'),
      { ...route('wrong-flag', '/d'), flag: 'strangler.other' },
      route('no-methods', '/e', []),
      route('bad-method', '/f', ['GET', 'FETCH' as HttpMethod, 'GET']),
      route('bad-template', 'api/{id}/{id}'),
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/route "Bad_Id": id must be kebab-case/),
        expect.stringMatching(/route "dup": duplicate id \(also routes\[1\]\)/),
        expect.stringMatching(/route "wrong-flag": flag must be "strangler.wrong-flag"/),
        expect.stringMatching(/route "no-methods": methods must be a non-empty list/),
        expect.stringMatching(/route "bad-method": unknown method "FETCH"/),
        expect.stringMatching(/route "bad-method": method GET listed twice/),
        expect.stringMatching(/route "bad-template": path template must start with "\/"/),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('checks that redactPathParams name parameters of the route’s own template', () => {
    expect(
      problemsOf([
        route('users', '/api/users/{email}', ['GET'], { redactPathParams: ['Email', 'phone'] }),
        route('orders', '/api/orders', ['GET'], { redactPathParams: 'id' }),
        route('fine', '/api/people/{email}', ['GET'], { redactPathParams: ['email'] }),
      ]),
    ).toEqual([
      'route "users": redactPathParams: "phone" is not a parameter of the path template',
      'route "orders": redactPathParams must be an array of template parameter names',
    ]);
  });

  it('puts every problem in the error message so a startup log shows them all', () => {
    expect(() =>
      createRouteTable([route('a', '/x//y'), route('b', '/z', [], { legacyTimeoutMs: 0 })]),
    ).toThrow(/3 problems[\s\S]*route "a"[\s\S]*route "b": methods[\s\S]*route "b": legacyTimeoutMs/);
  });

  it.each([
    ['/api//athletes', /empty segment at position 2/],
    ['/api/athletes/', /empty segment at position 3/],
    ['/api/{id}/x/{ID}', /parameter "ID" used twice/],
    ['/api/ath{id}', /a parameter must be a whole segment/],
    ['/api/{id:int}', /parameter "\{id:int\}" must be \{name\}/],
    ['/api/{*rest}', /parameter "\{\*rest\}" must be \{name\}/],
    ['/api/{}', /parameter "\{\}" must be \{name\}/],
    ['/api/{__proto__}', /parameter name "__proto__" is reserved/],
    ['/api/a%20b', /characters not allowed in a literal/],
    ['/api/a b', /characters not allowed in a literal/],
    ['/api?x=1', /characters not allowed in a literal/],
    ['', /must start with "\/"/],
  ])('rejects the template %j', (path, problem) => {
    const problems = problemsOf([route('r', path)]);
    expect(problems).toEqual([expect.stringMatching(problem)]);
  });

  it('rejects two routes whose templates are equivalent for the same method, ignoring case and parameter names', () => {
    const problems = problemsOf([
      route('a', '/api/Athletes/{id}', ['GET', 'PUT']),
      route('b', '/api/athletes/{athleteId}', ['PUT', 'DELETE']),
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /route "b": PUT \/api\/athletes\/\{athleteId\} is equivalent to a template of route "a"/,
      ),
    ]);
  });

  it('allows the same template for different methods', () => {
    expect(() =>
      createRouteTable([
        route('read', '/api/athletes/{id}', ['GET']),
        route('write', '/api/athletes/{id}', ['PUT']),
      ]),
    ).not.toThrow();
  });

  it.each([
    [{ legacyTimeoutMs: 0 }, /legacyTimeoutMs must be a positive number/],
    [{ legacyTimeoutMs: -5 }, /legacyTimeoutMs must be a positive number/],
    [{ handlerTimeoutMs: Number.NaN }, /handlerTimeoutMs must be a positive number/],
    [{ handlerTimeoutMs: 2 ** 31 }, /handlerTimeoutMs must be at most 2147483647 ms/],
    [{ unsafeFallbackToLegacy: 'yes' }, /unsafeFallbackToLegacy must be true or false/],
    [
      { stickiness: { kind: 'header', name: 'X Tenant' } },
      /stickiness header name "X Tenant" is not a valid/,
    ],
    [{ stickiness: { kind: 'header', name: '' } }, /stickiness header name "" is not a valid/],
    [{ stickiness: { kind: 'jwt-claim', claim: ' ' } }, /stickiness JWT claim must be non-empty/],
    [{ stickiness: { kind: 'cookie' } }, /stickiness kind "cookie"/],
    [{ stickiness: undefined }, /stickiness key is required/],
    [
      { shadow: { sampleRate: 1.5, captureLimitBytes: 1024, timeoutMs: 100 } },
      /shadow.sampleRate must be between 0 and 1/,
    ],
    [{ shadow: { sampleRate: -0.1, captureLimitBytes: 1024, timeoutMs: 100 } }, /shadow.sampleRate/],
    [
      { shadow: { sampleRate: 0.5, captureLimitBytes: 0, timeoutMs: 100 } },
      /shadow.captureLimitBytes must be a positive/,
    ],
    [
      { shadow: { sampleRate: 0.5, captureLimitBytes: 10, timeoutMs: 0 } },
      /shadow.timeoutMs must be a positive/,
    ],
    [{ handler: 'not a function' }, /handler must be a function/],
  ])('rejects the settings %j', (extra, problem) => {
    expect(problemsOf([route('r', '/r', ['GET'], extra)])).toEqual([expect.stringMatching(problem)]);
  });

  it('accepts the boundary values of shadow settings and the other stickiness kinds', () => {
    expect(() =>
      createRouteTable([
        route('a', '/a', ['GET'], { shadow: { sampleRate: 0, captureLimitBytes: 1, timeoutMs: 1 } }),
        route('b', '/b', ['GET'], { shadow: { sampleRate: 1, captureLimitBytes: 1, timeoutMs: 1 } }),
        route('c', '/c', ['GET'], { stickiness: { kind: 'jwt-claim', claim: 'sub' } }),
        route('d', '/d', ['GET'], { stickiness: { kind: 'client-address' } }),
      ]),
    ).not.toThrow();
  });

  it('deep-freezes the records so nothing can change a route after validation', () => {
    const rules = { ignore: ['$.etag'], pattern: /x/g };
    const records = [
      route('a', '/a', ['GET'], {
        shadow: { sampleRate: 1, captureLimitBytes: 10, timeoutMs: 10, compare: rules },
      }),
    ];
    const table = createRouteTable(records);
    const [record] = table.routes;
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(record?.methods)).toBe(true);
    expect(Object.isFrozen(record?.stickiness)).toBe(true);
    expect(Object.isFrozen(record?.shadow)).toBe(true);
    expect(Object.isFrozen(rules.ignore)).toBe(true);
    // A global RegExp updates lastIndex as it runs; freezing it would make the comparison engine throw.
    expect(Object.isFrozen(rules.pattern)).toBe(false);
    expect(Object.isFrozen(table.routes)).toBe(true);
    expect(() => (table.routes as RouteRecord[]).push(route('b', '/b'))).toThrow(TypeError);
  });
});

describe('RouteTable.match', () => {
  const table = createRouteTable([
    route('athletes-list', '/api/athletes', ['GET', 'POST']),
    route('athlete-get', '/api/athletes/{id}', ['GET', 'PUT']),
    route('athlete-me', '/api/athletes/me', ['GET']),
    route('athlete-wellness', '/api/athletes/{id}/wellness', ['GET']),
    route('any-wellness', '/api/{kind}/{id}/wellness', ['GET']),
    route('coach-any', '/api/coaches/{id}/{section}', ['GET']),
    route('any-coach-notes', '/api/{kind}/{id}/notes', ['GET']),
    route('root', '/', ['GET']),
  ]);

  const idOf = (method: string, path: string): string | undefined => table.match(method, path)?.route.id;

  it('matches literal templates and extracts parameters', () => {
    expect(idOf('GET', '/api/athletes')).toBe('athletes-list');
    expect(table.match('GET', '/api/athletes/42')).toEqual({
      route: expect.objectContaining({ id: 'athlete-get' }),
      params: { id: '42' },
    });
    expect(table.match('GET', '/api/athletes/42/wellness')?.params).toEqual({ id: '42' });
    expect(idOf('GET', '/')).toBe('root');
  });

  it('sends unclaimed paths, methods and segment counts to the catch-all (undefined)', () => {
    expect(idOf('GET', '/api/teams')).toBeUndefined();
    expect(idOf('DELETE', '/api/athletes/42')).toBeUndefined();
    expect(idOf('GET', '/api/athletes/42/wellness/extra')).toBeUndefined();
    expect(idOf('GET', '/api')).toBeUndefined();
    expect(idOf('GET', '')).toBeUndefined();
    expect(idOf('GET', '*')).toBeUndefined();
    expect(idOf('GET', 'http://example.com/api/athletes')).toBeUndefined();
  });

  it('does not let HEAD match a GET route, so legacy keeps serving HEAD as before', () => {
    expect(idOf('HEAD', '/api/athletes')).toBeUndefined();
  });

  it('treats methods case-sensitively as HTTP does', () => {
    expect(idOf('get', '/api/athletes')).toBeUndefined();
  });

  it('prefers the template with more literal segments', () => {
    expect(idOf('GET', '/api/athletes/me')).toBe('athlete-me');
    expect(table.match('GET', '/api/athletes/42/wellness')?.route.id).toBe('athlete-wellness');
    expect(table.match('GET', '/api/teams/42/wellness')).toEqual({
      route: expect.objectContaining({ id: 'any-wellness' }),
      params: { kind: 'teams', id: '42' },
    });
  });

  it('breaks a tie in literal count by the earlier literal position, whatever the declaration order', () => {
    // Both have two literals; coach-any's second literal comes earlier than any-coach-notes' last one.
    expect(idOf('GET', '/api/coaches/7/notes')).toBe('coach-any');
    const reversed = createRouteTable([
      route('any-coach-notes', '/api/{kind}/{id}/notes'),
      route('coach-any', '/api/coaches/{id}/{section}'),
    ]);
    expect(reversed.match('GET', '/api/coaches/7/notes')?.route.id).toBe('coach-any');
  });

  it('matches literals case-insensitively like ASP.NET Core and keeps parameter case', () => {
    expect(table.match('GET', '/API/Athletes/AbC')?.params).toEqual({ id: 'AbC' });
    expect(idOf('GET', '/api/ATHLETES/ME')).toBe('athlete-me');
  });

  it('tolerates one trailing slash but not empty segments', () => {
    expect(idOf('GET', '/api/athletes/')).toBe('athletes-list');
    expect(table.match('GET', '/api/athletes/42/')?.params).toEqual({ id: '42' });
    expect(idOf('GET', '/api/athletes//')).toBeUndefined();
    expect(idOf('GET', '/api//athletes')).toBeUndefined();
    expect(idOf('GET', '/api/athletes//wellness')).toBeUndefined();
    expect(idOf('GET', '//')).toBeUndefined();
  });

  it('decodes parameters and percent-encoded literals', () => {
    expect(table.match('GET', '/api/athletes/J%C3%BCrgen%20K')?.params).toEqual({ id: 'Jürgen K' });
    expect(table.match('GET', '/api/athletes/%25a%2B%24')?.params).toEqual({ id: '%a+$' });
    expect(idOf('GET', '/api/%61thletes')).toBe('athletes-list');
    expect(idOf('GET', '/api/%41THLETES/me')).toBe('athlete-me');
  });

  it('keeps an encoded slash in a parameter encoded, with its case, as ASP.NET Core route values do', () => {
    expect(table.match('GET', '/api/athletes/a%2Fb')?.params).toEqual({ id: 'a%2Fb' });
    expect(table.match('GET', '/api/athletes/foo%2fbar%20x')?.params).toEqual({ id: 'foo%2fbar x' });
    expect(table.match('GET', '/api/athletes/%252F')?.params).toEqual({ id: '%2F' });
    expect(idOf('GET', '/api/athletes%2Fme')).toBeUndefined();
  });

  it('keeps a malformed escape in a parameter as sent, as Kestrel does, so its two spellings agree', () => {
    expect(table.match('GET', '/api/athletes/%E0%A4%A')?.params).toEqual({ id: '%E0%A4%A' });
    expect(table.match('GET', '/api/athletes/%ZZ/wellness')?.params).toEqual({ id: '%ZZ' });
    // `%25zz` is `%zz` decoded: the same route value, so the same route.
    expect(table.match('GET', '/api/athletes/%25ZZ/wellness')?.params).toEqual({ id: '%ZZ' });
    expect(idOf('GET', '/api/%zzthletes')).toBeUndefined();
  });

  it('folds only ASCII case in literals, as ASP.NET Core does (the long s is not an s)', () => {
    expect(idOf('GET', '/api/athlete%C5%BF')).toBeUndefined();
    expect(idOf('GET', '/API/ATHLETE%53')).toBe('athletes-list');
  });

  it('ignores a query string if one is passed', () => {
    expect(table.match('GET', '/api/athletes/42?x=/a/b')?.params).toEqual({ id: '42' });
  });

  it('returns parameters named like Object.prototype members as plain values', () => {
    const proto = createRouteTable([route('p', '/p/{constructor}/{toString}')]);
    const params = proto.match('GET', '/p/a/b')?.params;
    expect(params?.['constructor']).toBe('a');
    expect(params?.['toString']).toBe('b');
  });

  it('finds the right template among many that differ at one position, keeping specificity', () => {
    const many = createRouteTable([
      ...Array.from({ length: 50 }, (_, i) => route(`resource-${i}`, `/api/resource${i}/{id}`)),
      route('any-resource', '/api/{kind}/{id}'),
      route('resource-7-me', '/api/resource7/me'),
      route('resource-x-by-position', '/{area}/resource9/{id}'),
    ]);
    expect(many.match('GET', '/api/resource42/1')).toEqual({
      route: expect.objectContaining({ id: 'resource-42' }),
      params: { id: '1' },
    });
    expect(many.match('GET', '/api/RESOURCE3/1')?.route.id).toBe('resource-3');
    expect(many.match('GET', '/api/resource%33/1')?.route.id).toBe('resource-3');
    expect(many.match('GET', '/api/resource7/me')?.route.id).toBe('resource-7-me');
    expect(many.match('GET', '/api/teams/1')).toEqual({
      route: expect.objectContaining({ id: 'any-resource' }),
      params: { kind: 'teams', id: '1' },
    });
    expect(many.match('GET', '/api/%ZZ/1')?.params).toEqual({ kind: '%ZZ', id: '1' });
    expect(many.match('GET', '/api//1')).toBeUndefined();
    // More literal segments win over another template that matches too.
    expect(many.match('GET', '/api/resource9/1')?.route.id).toBe('resource-9');
    expect(many.match('GET', '/web/resource9/1')?.route.id).toBe('resource-x-by-position');
    expect(many.match('GET', '/web/resource10/1')).toBeUndefined();
  });

  it('agrees with a brute-force reading of the rules on random tables and paths', () => {
    // Deterministic PRNG so a failure reproduces.
    let seed = 20261121;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = ['api', 'Athletes', 'coaches', 'me', 'notes', 'x'];
    const pathWords = [...words, 'ATHLETES', 'zz', '%61pi', 'a%2Fb', '%E0%A4', ''];
    let hits = 0;
    for (let table = 0; table < 40; table += 1) {
      const records: RouteRecord[] = [];
      const shapes = new Set<string>();
      for (let r = 0; r < 12; r += 1) {
        const length = 1 + next(4);
        const parts = Array.from({ length }, (_, i) =>
          next(3) === 0 ? `{p${i}}` : (words[next(words.length)] ?? 'x'),
        );
        const shape = parts.map((p) => (p.startsWith('{') ? '{}' : p.toLowerCase())).join('/');
        if (shapes.has(shape)) continue;
        shapes.add(shape);
        records.push(route(`r${r}`, `/${parts.join('/')}`));
      }
      const subject = createRouteTable(records);
      for (let q = 0; q < 60; q += 1) {
        const length = 1 + next(4);
        const path = `/${Array.from({ length }, () => pathWords[next(pathWords.length)]).join('/')}`;
        const expected = bruteForce(records, path);
        if (expected !== undefined) hits += 1;
        expect([path, subject.match('GET', path)?.route.id]).toEqual([path, expected]);
      }
    }
    // Not a vacuous comparison of two undefineds: plenty of the random paths do match something.
    expect(hits).toBeGreaterThan(200);
  });

  it('matches an empty table to nothing', () => {
    expect(createRouteTable([]).match('GET', '/anything')).toBeUndefined();
  });
});

/** The matching rules read literally: try every template, keep the most specific match. */
function bruteForce(records: readonly RouteRecord[], rawPath: string): string | undefined {
  const trimmed =
    rawPath.length > 1 && rawPath.endsWith('/') && !rawPath.endsWith('//') ? rawPath.slice(0, -1) : rawPath;
  const segments = trimmed.split('/').slice(1);
  const decode = (segment: string): string | undefined => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  };
  let best: { id: string; literals: boolean[]; order: number } | undefined;
  records.forEach((record, order) => {
    const template = record.path.split('/').slice(1);
    if (template.length !== segments.length) return;
    const literals = template.map((t) => !t.startsWith('{'));
    const matches = template.every((t, i) => {
      const segment = segments[i] ?? '';
      // A malformed escape stays as sent: it still fills a parameter, and never equals a literal.
      const decoded = decode(segment) ?? segment;
      if (segment === '') return false;
      return t.startsWith('{') || decoded.toLowerCase() === t.toLowerCase();
    });
    if (!matches) return;
    const better =
      best === undefined ||
      literals.filter(Boolean).length > best.literals.filter(Boolean).length ||
      (literals.filter(Boolean).length === best.literals.filter(Boolean).length &&
        literals.findIndex((l, i) => l !== best?.literals[i]) >= 0 &&
        literals[literals.findIndex((l, i) => l !== best?.literals[i])] === true);
    if (better) best = { id: record.id, literals, order };
  });
  return best?.id;
}
