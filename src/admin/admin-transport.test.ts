import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, plainHttpAdminWarning } from './admin-transport.ts';

describe('admin transport', () => {
  it('takes as loopback exactly the names browsers treat as a secure context over http', () => {
    for (const name of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'qa.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '[::1]',
      '::1',
    ]) {
      expect([name, isLoopbackHost(name)]).toEqual([name, true]);
    }
    for (const name of [
      '0.0.0.0',
      '::',
      '10.0.0.7',
      'admin.example.com',
      'localhost.example.com',
      '127.0.0.1.nip.io',
    ]) {
      expect([name, isLoopbackHost(name)]).toEqual([name, false]);
    }
  });

  it('warns at startup about plain HTTP beyond this machine, naming the settings and the proxy alternative', () => {
    expect(plainHttpAdminWarning('127.0.0.1')).toBeUndefined();
    expect(plainHttpAdminWarning('::1')).toBeUndefined();
    for (const host of ['0.0.0.0', '::', '10.0.0.7']) {
      const warning = plainHttpAdminWarning(host) ?? '';
      expect(warning).toContain(`listens on ${host} over plain HTTP`);
      expect(warning).toContain('ADMIN_TLS_CERT and ADMIN_TLS_KEY');
      expect(warning).toContain('X-Forwarded-Proto: https');
    }
  });
});
