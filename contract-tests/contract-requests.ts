import { ATHLETES, SQUADS } from './contract-data.ts';
import type { ContractScenario, FixtureRequest } from './contract-fixture.ts';

/*
 * The requests the contract scenarios are made of, as a client of the legacy API sends them, and the
 * bodies several scenarios share.
 */

/** A fixed Host, so absolute Location headers are the same in every recording and replay. */
export const CONTRACT_HOST = 'athletes.example.test';

export function get(path: string): FixtureRequest {
  return { method: 'GET', path, headers: { host: CONTRACT_HOST, 'x-tenant-id': 'tenant-contract' } };
}

export function send(method: string, path: string, body: unknown): FixtureRequest {
  return {
    method,
    path,
    headers: { host: CONTRACT_HOST, 'x-tenant-id': 'tenant-contract', 'content-type': 'application/json' },
    body,
  };
}

export function sendRaw(
  method: string,
  path: string,
  rawBody: string,
  contentType = 'application/json',
): FixtureRequest {
  return {
    method,
    path,
    headers: { host: CONTRACT_HOST, 'x-tenant-id': 'tenant-contract', 'content-type': contentType },
    rawBody,
  };
}

/** A JSON body with bytes that are not UTF-8, sent verbatim. */
export function sendBytes(method: string, path: string, rawBody: Buffer): FixtureRequest {
  return {
    method,
    path,
    headers: { host: CONTRACT_HOST, 'x-tenant-id': 'tenant-contract', 'content-type': 'application/json' },
    rawBodyBase64: rawBody.toString('base64'),
  };
}

/** A scenario of one step. */
export function one(
  route: string,
  name: string,
  description: string,
  request: FixtureRequest,
): ContractScenario {
  return { route, name, description, steps: [{ request }] };
}

/** A valid new athlete, for the academy squad. */
export const newAthlete = {
  SquadId: SQUADS[1].id,
  FirstName: 'Ada',
  LastName: 'Holm',
  Email: 'ada.holm@example.test',
  DateOfBirth: '2004-03-09',
  Position: 'Defender',
};

/** A valid update of the first athlete. */
export const athleteUpdate = {
  SquadId: ATHLETES[0].squadId,
  FirstName: 'Erling',
  LastName: 'Aalto',
  Email: 'ERLING.AALTO@example.test',
  DateOfBirth: ATHLETES[0].dateOfBirth,
  Position: 'Winger',
};

/** Questionnaire answers whose score, 3.85, rounds half to even. */
export const answers385 = { Sleep: 4, Soreness: 2, Fatigue: 2, Stress: 3, Mood: 4 };
