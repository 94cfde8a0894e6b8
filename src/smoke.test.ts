import { describe, expect, it } from '@jest/globals';
import { createProxyMiddleware } from 'http-proxy-middleware';
import nock from 'nock';
import { Kysely } from 'kysely';

describe('toolchain', () => {
  it('loads the ESM-only libraries on Node 24', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(typeof createProxyMiddleware).toBe('function');
    expect(typeof nock).toBe('function');
    expect(typeof Kysely).toBe('function');
  });
});
