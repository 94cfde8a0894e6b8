/*
 * Requests for the stand-in parity suite with an issuer: one request per action, to try every token on,
 * and the traffic of callers who reach for another organisation's squads, athletes and entries.
 */
import {
  ANOTHER_ORGANISATION,
  ATHLETE_WITH_ENTRIES,
  ATHLETES,
  SQUADS,
} from '../../../../contract-tests/contract-data.ts';
import type { FixtureRequest } from '../../../../contract-tests/contract-fixture.ts';

export const HOST = { host: 'parity.example.test', 'x-tenant-id': 'tenant-parity' };

/** Every scope the API knows. */
export const ALL_SCOPES = ['athletes:read', 'athletes:write', 'wellness:read', 'wellness:write'];

function withAuthorization(authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? HOST : { ...HOST, authorization };
}

export function get(path: string, authorization?: string): FixtureRequest {
  return { method: 'GET', path, headers: withAuthorization(authorization) };
}

function send(
  method: string,
  path: string,
  body: unknown,
  authorization: string | undefined,
): FixtureRequest {
  const headers = { ...withAuthorization(authorization), 'content-type': 'application/json' };
  return { method, path, headers, rawBody: JSON.stringify(body) };
}

/** A valid body for creating or updating an athlete, with some members replaced. */
export const athleteBody = (over: Record<string, unknown> = {}) => ({
  SquadId: SQUADS[1].id,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'ada.holm@example.test',
  DateOfBirth: '2004-03-09',
  ...over,
});

const entryBody = (entryDate: string) => ({
  EntryDate: entryDate,
  Sleep: 4,
  Soreness: 2,
  Fatigue: 2,
  Stress: 3,
  Mood: 4,
});

/**
 * One request to each action (and to a path and a method that have none), for one Authorization header.
 * The writes are only ever refused: the token cases grant reading alone.
 */
export function actionProbes(authorization: string | undefined): FixtureRequest[] {
  const athlete = `/api/athletes/${ATHLETE_WITH_ENTRIES}`;
  return [
    get('/api/squads', authorization),
    get(`/api/squads/${SQUADS[0].id}/athletes`, authorization),
    get('/api/athletes?pageSize=2', authorization),
    get(athlete, authorization),
    send('POST', '/api/athletes', athleteBody(), authorization),
    send('PUT', athlete, athleteBody(), authorization),
    { method: 'DELETE', path: athlete, headers: withAuthorization(authorization) },
    get(`${athlete}/wellness?from=2026-11-02`, authorization),
    send('POST', `${athlete}/wellness`, entryBody('2026-11-20'), authorization),
    get(`/api/reports/availability?squadId=${SQUADS[0].id}`, authorization),
    get('/api/reports/availability', authorization),
    { method: 'PATCH', path: athlete, headers: withAuthorization(authorization) },
    get('/api/nothing-here', authorization),
  ];
}

/** Authorization headers of the callers the tenant traffic is made by. */
export interface TenantCallers {
  /** The contract organisation, with every scope and the coach role. */
  readonly contract: string;
  /** The contract organisation, with every scope but without the coach role. */
  readonly contractWithoutRole: string;
  /** ANOTHER_ORGANISATION, with every scope and the coach role. */
  readonly another: string;
  /** An organisation that owns nothing. */
  readonly empty: string;
}

/** Each batch starts from both organisations' data. */
export function tenantTraffic(callers: TenantCallers): FixtureRequest[][] {
  const other = ANOTHER_ORGANISATION;
  const theirs = `/api/athletes/${other.athleteId}`;
  const ours = `/api/athletes/${ATHLETE_WITH_ENTRIES}`;
  const { contract, another, empty } = callers;
  return [
    // A caller of the contract organisation sees none of another's rows and can touch none of them.
    [
      get('/api/squads', contract),
      get('/api/athletes', contract),
      get(`/api/squads/${other.squadId}/athletes?includeInactive=true`, contract),
      get(theirs, contract),
      get(`${theirs}/wellness`, contract),
      send('PUT', theirs, athleteBody({ Email: 'moved@example.test' }), contract),
      { method: 'DELETE', path: theirs, headers: withAuthorization(contract) },
      send('POST', `${theirs}/wellness`, entryBody('2026-11-21'), contract),
      send('POST', '/api/athletes', athleteBody({ SquadId: other.squadId }), contract),
      send('PUT', ours, athleteBody({ SquadId: other.squadId }), contract),
      // Another organisation's athlete holds this e-mail: still the one 409, though the check cannot see it.
      send('POST', '/api/athletes', athleteBody({ Email: other.athleteEmail }), contract),
      get(theirs, another),
    ],
    // Another organisation's caller works on its own rows and finds none of the contract organisation's.
    [
      get('/api/squads', another),
      get('/api/athletes', another),
      get(`/api/squads/${other.squadId}/athletes`, another),
      get(`${theirs}/wellness`, another),
      send('POST', `${theirs}/wellness`, entryBody('2026-11-21'), another),
      send('POST', `${theirs}/wellness`, entryBody(other.entryDate), another),
      get(ours, another),
      send('PUT', ours, athleteBody(), another),
      { method: 'DELETE', path: `/api/athletes/${ATHLETES[1].id}`, headers: withAuthorization(another) },
      { method: 'DELETE', path: theirs, headers: withAuthorization(another) },
      get(`/api/squads/${other.squadId}/athletes?includeInactive=true`, another),
    ],
    // An organisation without rows sees empty lists; deleting takes the coach role.
    [
      get('/api/squads', empty),
      get('/api/athletes', empty),
      { method: 'DELETE', path: ours, headers: withAuthorization(callers.contractWithoutRole) },
      get(ours, contract),
    ],
  ];
}

/**
 * The availability report for each caller, on its own squads and on the others'. No route migrates the
 * report, so strangler never compares it: the suite sends these to both sides itself.
 */
export function tenantReports(callers: TenantCallers): FixtureRequest[] {
  const report = (squadId: string, authorization: string) =>
    get(`/api/reports/availability?squadId=${squadId}`, authorization);
  return [
    report(SQUADS[0].id, callers.contract),
    report(ANOTHER_ORGANISATION.squadId, callers.contract),
    report(ANOTHER_ORGANISATION.squadId, callers.another),
    report(SQUADS[0].id, callers.another),
    report(SQUADS[0].id, callers.empty),
  ];
}

/** The request with the caller's Authorization header added. */
export function asCaller(request: FixtureRequest, authorization: string): FixtureRequest {
  return { ...request, headers: { ...request.headers, authorization } };
}
