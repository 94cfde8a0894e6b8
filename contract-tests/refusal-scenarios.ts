import { POLICIES } from '../routes/shared/policies.ts';
import { callerFor } from './contract-callers.ts';
import type { RoutePolicy } from '../src/identity/principal.ts';
import { ANOTHER_ORGANISATION, ATHLETES } from './contract-data.ts';
import type { ContractScenario, FixtureCaller, FixtureRequest, SpoiledToken } from './contract-fixture.ts';
import { answers385, athleteUpdate, get, newAthlete, one, send } from './contract-requests.ts';

/*
 * What the legacy refuses, recorded like any other answer. A caller without a usable token gets
 * JwtBearer's 401 and challenge; one without the scope or role gets an empty 403 (the proxy's identify
 * stage answers both for the new side). A caller of the contract organisation asking for another
 * organisation's rows (seeded while recording and replaying) is answered as if they did not exist.
 */

const other = ANOTHER_ORGANISATION;
const active = ATHLETES[0].id;

function as(caller: FixtureCaller, request: FixtureRequest): FixtureRequest {
  return { ...request, caller };
}

/** The route's own caller, presenting a spoiled token. */
function spoiled(token: SpoiledToken, policy: RoutePolicy): FixtureCaller {
  return { ...callerFor(policy), token };
}

const delete_ = (path: string): FixtureRequest => ({ ...get(path), method: 'DELETE' });

const TOKEN_REFUSALS: readonly ContractScenario[] = [
  one(
    'squads-list',
    'no-token',
    'no Authorization: 401 with the plain Bearer challenge',
    as(spoiled('none', POLICIES.athletesRead), get('/api/squads')),
  ),
  one(
    'athletes-get',
    'malformed-token',
    'a bearer value that is not a JWT: 401 invalid_token, without a description',
    as(spoiled('malformed', POLICIES.athletesRead), get(`/api/athletes/${active}`)),
  ),
  one(
    'athletes-list',
    'expired-token',
    'a token that expired on 2001-01-01: 401 invalid_token, naming the instant',
    as(spoiled('expired', POLICIES.athletesRead), get('/api/athletes')),
  ),
  one(
    'wellness-list',
    'wrong-audience',
    'a token issued for another API: 401 invalid_token, the audience is invalid',
    as(spoiled('wrong-audience', POLICIES.wellnessRead), get(`/api/athletes/${active}/wellness`)),
  ),
  one(
    'athletes-create',
    'missing-scope',
    'a valid token with athletes:read only: an empty 403',
    as(callerFor(POLICIES.athletesRead), send('POST', '/api/athletes', newAthlete)),
  ),
  one(
    'athletes-delete',
    'without-coach-role',
    'athletes:write without the coach role: an empty 403',
    as(callerFor(POLICIES.athletesWrite), delete_(`/api/athletes/${active}`)),
  ),
];

const ANOTHER_ORGANISATIONS_ROWS: readonly ContractScenario[] = [
  one(
    'athletes-get',
    'another-organisation',
    "another organisation's athlete: 404, as if it did not exist",
    get(`/api/athletes/${other.athleteId}`),
  ),
  one(
    'athletes-update',
    'another-organisation',
    "a valid update of another organisation's athlete: 404",
    send('PUT', `/api/athletes/${other.athleteId}`, athleteUpdate),
  ),
  one(
    'athletes-delete',
    'another-organisation',
    "deleting another organisation's athlete: 404",
    delete_(`/api/athletes/${other.athleteId}`),
  ),
  one(
    'athletes-create',
    'squad-of-another-organisation',
    "an athlete for another organisation's squad: 400, the squad does not exist",
    send('POST', '/api/athletes', { ...newAthlete, SquadId: other.squadId }),
  ),
  one(
    'squad-athletes-list',
    'another-organisation',
    "another organisation's squad: 404",
    get(`/api/squads/${other.squadId}/athletes`),
  ),
  one(
    'wellness-list',
    'another-organisation',
    "the entries of another organisation's athlete: 404",
    get(`/api/athletes/${other.athleteId}/wellness`),
  ),
  one(
    'wellness-create',
    'athlete-of-another-organisation',
    "an entry for another organisation's athlete: 404",
    send('POST', `/api/athletes/${other.athleteId}/wellness`, { EntryDate: '2026-11-21', ...answers385 }),
  ),
];

export const REFUSAL_SCENARIOS: readonly ContractScenario[] = [
  ...TOKEN_REFUSALS,
  ...ANOTHER_ORGANISATIONS_ROWS,
];
