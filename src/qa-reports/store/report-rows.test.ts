import { describe, expect, it } from '@jest/globals';
import { isUuid, toCapturedMessage, toDiffEntries, toGroup, toSummary } from './report-rows.ts';

describe('report rows', () => {
  it('takes from a stored message only the fields with the expected type', () => {
    expect(
      toCapturedMessage({
        status: '200',
        method: 7,
        path: '/api/athletes/1',
        query: '',
        headers: ['accept'],
        body: { items: [] },
      }),
    ).toEqual({ path: '/api/athletes/1', headers: {}, body: { items: [] } });
    expect(toCapturedMessage('<script>')).toEqual({ headers: {}, body: undefined });
    expect(toCapturedMessage(null)).toEqual({ headers: {}, body: undefined });
    expect(toCapturedMessage({ status: 502, query: 'q=1', headers: { a: 'b' } })).toEqual({
      status: 502,
      query: 'q=1',
      headers: { a: 'b' },
      body: undefined,
    });
  });

  it('reads diff entries as strings for path and kind, and no entries from anything but an array', () => {
    expect(toDiffEntries({ path: '$' })).toEqual([]);
    expect(toDiffEntries([{ path: '$.a', kind: 'changed', legacy: 1, new: 2 }, 'junk', { path: 5 }])).toEqual(
      [
        { path: '$.a', kind: 'changed', legacy: 1, new: 2 },
        { path: '', kind: '', legacy: undefined, new: undefined },
        { path: '5', kind: '', legacy: undefined, new: undefined },
      ],
    );
  });

  it("summarises a sample with the request's path and query and both statuses", () => {
    const capturedAt = new Date('2026-11-21T10:00:00Z');
    const row = {
      id: 's1',
      group_id: 'g1',
      captured_at: capturedAt,
      request: { method: 'GET', path: '/api/squads/<b>', query: 'q=<img>' },
      legacy: { status: 200 },
      candidate: { status: '500' },
      diffs: [{ path: '$.score', kind: 'changed', legacy: 7.5, new: 7.4 }, 'not an entry'],
    };
    expect(toSummary(row)).toEqual({
      id: 's1',
      groupId: 'g1',
      capturedAt,
      method: 'GET',
      path: '/api/squads/<b>?q=<img>',
      legacyStatus: 200,
      newStatus: null,
      diffs: [
        { path: '$.score', kind: 'changed', legacy: 7.5, new: 7.4 },
        { path: '', kind: '', legacy: undefined, new: undefined },
      ],
    });
    expect(toSummary({ ...row, request: { query: '' } })).toMatchObject({ method: '', path: '' });
  });

  it('shows a group with a status it does not know as open', () => {
    const row = {
      id: 'g1',
      route_id: 'athletes-get',
      fingerprint: 'fp',
      paths: [{ path: '$.score', kind: 'changed' }],
      count: '3',
      first_seen: new Date(0),
      last_seen: new Date(1),
      status: 'closed',
      note: null,
      link: null,
      decided_by: null,
      decided_at: null,
    };
    expect(toGroup(row)).toMatchObject({ status: 'open', count: 3, routeId: 'athletes-get' });
    expect(toGroup({ ...row, status: 'defect' }).status).toBe('defect');
  });

  it('recognises only UUIDs as ids', () => {
    expect(isUuid('0b6f5a3e-2c1d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(true);
    expect(isUuid("1' OR '1'='1")).toBe(false);
    expect(isUuid('0b6f5a3e-2c1d-4e5f-8a9b-0c1d2e3f4a5b-x')).toBe(false);
  });
});
