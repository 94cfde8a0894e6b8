import { afterAll, describe, expect, it } from '@jest/globals';
import { createProxyMiddleware } from 'http-proxy-middleware';
import nock from 'nock';
import { Kysely } from 'kysely';

// Importing nock switches its interceptor on for the whole worker process (it patches node:net and
// node:http, which jest does not isolate per test file); left on, it fakes connections for every suite
// this worker runs next (a closed port "connects", real servers reset). Switch it off again.
afterAll(() => nock.restore());

describe('toolchain', () => {
  it('loads the ESM-only libraries on Node 24', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(typeof createProxyMiddleware).toBe('function');
    expect(typeof nock).toBe('function');
    expect(typeof Kysely).toBe('function');
  });
});
