import { describe, expect, it } from '@jest/globals';

import { isConnectivityError } from './connectivity-error.ts';

const withFields = (message: string, fields: Record<string, unknown>): Error =>
  Object.assign(new Error(message), fields);

describe('isConnectivityError: does a failure say "not now" rather than "not this event"?', () => {
  it.each([
    ['a refused connection', withFields('connect ECONNREFUSED', { code: 'ECONNREFUSED' })],
    ['a PostgreSQL connection exception', withFields('terminating connection', { code: '08006' })],
    [
      'an administrator shutdown',
      withFields('terminating connection due to administrator command', { code: '57P01' }),
    ],
    [
      'a statement timeout (a lock held elsewhere)',
      withFields('canceling statement due to statement timeout', { code: '57014' }),
    ],
    [
      'a read-only database during failover',
      withFields('cannot execute UPDATE in a read-only transaction', { code: '25006' }),
    ],
    ['a deadlock', withFields('deadlock detected', { code: '40P01' })],
    [
      'tedious timing out',
      withFields('Timeout: Request failed to complete in 15000ms', { code: 'ETIMEOUT' }),
    ],
    ['tedious losing the connection', withFields('Connection lost - socket hang up', { code: 'ECLOSE' })],
    [
      'mssql failing to connect',
      withFields('Failed to connect to 127.0.0.1:1 - connect ECONNREFUSED 127.0.0.1:1', { code: 'ESOCKET' }),
    ],
    ['mssql’s pool closed under a request', withFields('Connection is closed.', { code: 'ECONNCLOSED' })],
    [
      'mssql’s pool timing out a wait for a connection',
      new Error('Failed to acquire a connection from the pool: operation timed out for an unknown reason'),
    ],
    [
      'Azure SQL throttling',
      withFields('The service is currently busy.', { code: 'EREQUEST', number: 40501 }),
    ],
    [
      'a SQL Server deadlock victim',
      withFields('Transaction was deadlocked', { code: 'EREQUEST', number: 1205 }),
    ],
    ['node-postgres giving up on a connect', new Error('timeout exceeded when trying to connect')],
    [
      'a connection error as the cause',
      new Error('apply failed', { cause: withFields('reset', { code: 'ECONNRESET' }) }),
    ],
  ])('yes: %s', (_what, error) => {
    expect(isConnectivityError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withFields('duplicate key value violates unique constraint', { code: '23505' })],
    ['a value too long', withFields('value too long for type character varying(100)', { code: '22001' })],
    [
      'a SQL Server constraint violation',
      withFields('Violation of UNIQUE KEY constraint', { code: 'EREQUEST', number: 2627 }),
    ],
    ['a bug', new TypeError('Cannot read properties of undefined')],
    ['something thrown that is not an Error', 'ECONNREFUSED'],
  ])('no: %s', (_what, error) => {
    expect(isConnectivityError(error)).toBe(false);
  });
});
