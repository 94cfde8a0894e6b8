import { withCallers } from './contract-callers.ts';
import { ATHLETE_WITH_ENTRIES, ATHLETES, SQUADS } from './contract-data.ts';
import type { ContractScenario, ScenarioStep, StepIgnore } from './contract-fixture.ts';
import {
  answers385,
  athleteUpdate,
  get,
  newAthlete,
  one,
  send,
  sendBytes,
  sendRaw,
} from './contract-requests.ts';
import { REFUSAL_SCENARIOS } from './refusal-scenarios.ts';

/*
 * One file on purpose: this is the one scenario table that scripts/record-contracts.ts records and the
 * fixture suite (athlete-api-contract.test.ts) replays; splitting it would scatter that table.
 *
 * What scripts/record-contracts.ts asks the legacy, one scenario per fixture file. Every scenario starts
 * from the data set in contract-data.ts (re-seeded before each), so scenarios are independent. Cover per
 * route: the happy path, paging, validation errors, 404s, 409s and the soft delete; the refusals (no
 * usable token, a missing grant, another organisation's rows) are in refusal-scenarios.ts. Each step is
 * sent by a caller of the contract organisation with what its route's policy asks for, unless the
 * scenario names another (see contract-callers.ts).
 */

const active = ATHLETES[0];
const namesake = ATHLETES[2];
const inactive = ATHLETES[3];
const academy = SQUADS[1];
const emptySquad = SQUADS[2];
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000001';

const STAMPED_BY_WRITE: StepIgnore = {
  path: '$.UpdatedAt',
  because: 'the write before this step stamped the server clock into UpdatedAt on each side',
};

const wellnessPath = `/api/athletes/${ATHLETE_WITH_ENTRIES}/wellness`;

const steps = (...list: ScenarioStep[]): readonly ScenarioStep[] => list;

/** A body's JSON text with one member's value replaced by raw JSON text (an escape, say). */
function withRawMember(body: object, member: string, rawValue: string): string {
  return JSON.stringify({ ...body, [member]: '\u0000' }).replace('"\\u0000"', rawValue);
}

/** A body's JSON bytes with one member's value replaced by a string holding these bytes. */
function withBytesMember(body: object, member: string, bytes: readonly number[]): Buffer {
  const [before, after] = JSON.stringify({ ...body, [member]: '\u0000' }).split('\\u0000') as [
    string,
    string,
  ];
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
}

/** Bodies System.Text.Json refuses, each with the reader's own message, path and position. */
function malformedBodies(cases: readonly (readonly [string, string, string])[]): ContractScenario[] {
  return cases.map(([name, description, body]) =>
    one('athletes-create', name, description, sendRaw('POST', '/api/athletes', body)),
  );
}

const ROUTE_SCENARIOS: readonly ContractScenario[] = [
  // ------------------------------------------------------------------ squads-list
  one('squads-list', 'all-squads', 'every squad, ordered by name', get('/api/squads')),

  // ------------------------------------------------------------------ squad-athletes-list
  one(
    'squad-athletes-list',
    'active-members',
    'active members only by default',
    get(`/api/squads/${active.squadId}/athletes`),
  ),
  one(
    'squad-athletes-list',
    'include-inactive',
    'includeInactive=true adds the soft-deleted; namesakes tie-break by id',
    get(`/api/squads/${active.squadId}/athletes?includeInactive=true`),
  ),
  one(
    'squad-athletes-list',
    'second-page',
    'page 2 of 2 per page',
    get(`/api/squads/${active.squadId}/athletes?page=2&pageSize=2`),
  ),
  one(
    'squad-athletes-list',
    'empty-squad',
    'a squad without athletes: [] and X-Total-Count 0',
    get(`/api/squads/${emptySquad.id}/athletes`),
  ),
  one(
    'squad-athletes-list',
    'invalid-include-inactive',
    'includeInactive that is not a boolean, and pageSize 0',
    get(`/api/squads/${active.squadId}/athletes?includeInactive=yes&pageSize=0`),
  ),
  one(
    'squad-athletes-list',
    'braced-guid',
    'a route GUID in B format ({...}, percent-encoded) binds',
    get(`/api/squads/%7B${active.squadId}%7D/athletes`),
  ),
  one(
    'squad-athletes-list',
    'unknown-squad',
    'a GUID no squad has: ProblemDetails 404',
    get(`/api/squads/${UNKNOWN_ID}/athletes`),
  ),
  one(
    'squad-athletes-list',
    'not-a-guid',
    'the {squadId:guid} constraint fails: empty 404',
    get('/api/squads/first-team/athletes'),
  ),

  // ------------------------------------------------------------------ athletes-list
  one('athletes-list', 'first-page', 'active athletes, default paging', get('/api/athletes')),
  one(
    'athletes-list',
    'page-size-3-page-2',
    'page 2 with 3 per page',
    get('/api/athletes?page=2&pageSize=3'),
  ),
  one(
    'athletes-list',
    'past-the-end',
    'a page past the end: [] with the total',
    get('/api/athletes?page=9&pageSize=5'),
  ),
  one(
    'athletes-list',
    'case-insensitive-query',
    'query keys bind case-insensitively',
    get('/api/athletes?PAGE=1&PageSize=2'),
  ),
  one(
    'athletes-list',
    'invalid-paging',
    'page 0 and a pageSize that is not a number',
    get('/api/athletes?page=0&pageSize=ten'),
  ),
  one(
    'athletes-list',
    'repeated-key',
    'a repeated query key: the first value binds',
    get('/api/athletes?page=2&page=1&pageSize=3'),
  ),
  one(
    'athletes-list',
    'page-size-too-large',
    'pageSize above the maximum',
    get('/api/athletes?pageSize=201'),
  ),

  // ------------------------------------------------------------------ athletes-get
  one('athletes-get', 'existing', 'an active athlete', get(`/api/athletes/${active.id}`)),
  one(
    'athletes-get',
    'inactive',
    'a soft-deleted athlete is still readable',
    get(`/api/athletes/${inactive.id}`),
  ),
  one(
    'athletes-get',
    'null-position',
    'Position null is written as null',
    get(`/api/athletes/${namesake.id}`),
  ),
  one(
    'athletes-get',
    'n-format-upper-case-id',
    'an id in N format, upper case, binds like Guid.TryParse',
    get(`/api/athletes/${active.id.replaceAll('-', '').toUpperCase()}`),
  ),
  one(
    'athletes-get',
    'unknown',
    'a GUID no athlete has: ProblemDetails 404',
    get(`/api/athletes/${UNKNOWN_ID}`),
  ),
  one('athletes-get', 'not-a-guid', 'the {id:guid} constraint fails: empty 404', get('/api/athletes/12345')),

  // ------------------------------------------------------------------ athletes-create
  one(
    'athletes-create',
    'created',
    '201 with the athlete and an absolute Location',
    send('POST', '/api/athletes', newAthlete),
  ),
  one(
    'athletes-create',
    'camel-case-members',
    'member names bind case-insensitively; unknown members are ignored',
    send('POST', '/api/athletes', {
      squadId: academy.id,
      firstName: 'Ivo',
      lastName: 'Jansen',
      email: 'ivo.jansen@example.test',
      dateOfBirth: '2003-10-10',
      shirtNumber: 9,
    }),
  ),
  one(
    'athletes-create',
    'validation-errors',
    'every failing field, in declaration order',
    send('POST', '/api/athletes', {
      FirstName: '  ',
      LastName: 'x'.repeat(101),
      Email: 'not-an-email',
      DateOfBirth: null,
    }),
  ),
  one(
    'athletes-create',
    'long-invalid-email',
    'an e-mail over 256 characters without @: both messages, in attribute order',
    send('POST', '/api/athletes', { ...newAthlete, Email: 'é'.repeat(257) }),
  ),
  one(
    'athletes-create',
    'malformed-json',
    'a body that is not JSON',
    sendRaw('POST', '/api/athletes', '{"FirstName": "Ada",'),
  ),
  one('athletes-create', 'empty-body', 'an empty JSON body', sendRaw('POST', '/api/athletes', '')),
  ...malformedBodies([
    ['open-object', 'an object never closed', '{'],
    ['not-json', 'a body that does not start a JSON value', 'x'],
    ['trailing-data', 'data after the object', '{"FirstName":"Ada"} x'],
    ['missing-colon', 'a member name without its colon', '{"FirstName" "Ada"}'],
    ['unquoted-name', 'a member name without quotes', '{FirstName:"Ada"}'],
    ['bad-literal', 'a literal cut short: the member is blamed', '{"Position":tru}'],
    ['trailing-comma', 'a comma before the closing brace', '{"FirstName":"Ada",}'],
    ['unterminated-string', 'a string that never ends', '{"FirstName":"Ada'],
    ['number-at-end', 'a number at the very end, inside the object', '{"Extra":1'],
    ['bad-escape', 'an escape JSON does not have', '{"FirstName":"\\q"}'],
    ['raw-line-break-in-string', 'a line break inside a string', '{"FirstName":"A\nB"}'],
    ['multi-line-wrong-type', 'positions count lines and bytes within the line', '{\n  "SquadId": 5\n}'],
    [
      'non-ascii-before-wrong-type',
      'positions are bytes, not characters',
      '{"FirstName":"Zoë","SquadId":true}',
    ],
    [
      'nested-unknown-bad-literal',
      'an error inside a skipped member blames that member',
      '{"Extra":{"y":tru}}',
    ],
    ['null-body', 'the literal null binds no model: like an empty body', 'null'],
    ['string-body', 'a JSON string instead of an object', '"Ada"'],
    ['ends-after-member-name', 'the body ends right after a member name', '{"SquadId"'],
  ]),
  one(
    'athletes-create',
    'array-body',
    'a JSON array instead of an object',
    sendRaw('POST', '/api/athletes', '[]'),
  ),
  one(
    'athletes-create',
    'wrong-member-type',
    'DateOfBirth that is not a yyyy-MM-dd date fails the whole body',
    send('POST', '/api/athletes', { ...newAthlete, DateOfBirth: '09/03/2004' }),
  ),
  one(
    'athletes-create',
    'lone-surrogate',
    'a string with a lone surrogate escape cannot be converted: the member is blamed',
    sendRaw('POST', '/api/athletes', withRawMember(newAthlete, 'FirstName', '"A\\ud800"')),
  ),
  one(
    'athletes-create',
    'lone-surrogate-after-pair',
    'a low surrogate after a whole pair is alone too',
    sendRaw('POST', '/api/athletes', withRawMember(newAthlete, 'Email', '"\\ud83d\\ude00\\udc00"')),
  ),
  one(
    'athletes-create',
    'lone-surrogate-in-unknown-member',
    'a skipped member is never transcoded: the athlete is created',
    sendRaw('POST', '/api/athletes', withRawMember(newAthlete, 'Nickname', '"\\udc00"')),
  ),
  one(
    'athletes-create',
    'lone-surrogate-in-member-name',
    'a member name with a lone surrogate cannot be looked up: the whole body is blamed',
    sendRaw('POST', '/api/athletes', `{"F\\ud800" : "A",${JSON.stringify(newAthlete).slice(1)}`),
  ),
  one(
    'athletes-create',
    'invalid-utf8',
    'a string whose bytes are not UTF-8 cannot be converted: the member is blamed',
    sendBytes('POST', '/api/athletes', withBytesMember(newAthlete, 'LastName', [0x48, 0xff, 0x6f])),
  ),
  one(
    'athletes-create',
    'overlong-utf8',
    'an overlong encoding (0xC0 0xAF) is not UTF-8 either',
    sendBytes('POST', '/api/athletes', withBytesMember(newAthlete, 'Position', [0xc0, 0xaf])),
  ),
  one(
    'athletes-create',
    'invalid-utf8-in-unknown-member',
    'a skipped member is never transcoded: the athlete is created',
    sendBytes('POST', '/api/athletes', withBytesMember(newAthlete, 'Nickname', [0xed, 0xa0, 0x80])),
  ),
  one(
    'athletes-create',
    'non-ascii-start-of-value',
    'a byte outside printable ASCII is shown as 0xHH in the message',
    sendRaw('POST', '/api/athletes', '{"SquadId":é}'),
  ),
  one(
    'athletes-create',
    'unsupported-media-type',
    'text/plain is a 415',
    sendRaw('POST', '/api/athletes', JSON.stringify(newAthlete), 'text/plain'),
  ),
  one(
    'athletes-create',
    'number-body',
    'a bare JSON number instead of an object',
    sendRaw('POST', '/api/athletes', '5'),
  ),
  one(
    'athletes-create',
    'early-year-birth-date',
    'DateOnly takes years 0001–0099 (no two-digit-year reading): the date binds, the athlete is created',
    send('POST', '/api/athletes', {
      ...newAthlete,
      Email: 'early.year@example.test',
      DateOfBirth: '0050-06-01',
    }),
  ),
  one(
    'athletes-create',
    'two-slash-media-type',
    'application/vnd.a/b+json is no media type: a 415',
    sendRaw('POST', '/api/athletes', JSON.stringify(newAthlete), 'application/vnd.a/b+json'),
  ),
  one(
    'athletes-create',
    'unknown-squad',
    'a SquadId no squad has',
    send('POST', '/api/athletes', { ...newAthlete, SquadId: UNKNOWN_ID }),
  ),
  one(
    'athletes-create',
    'duplicate-email',
    'an e-mail another athlete has, in other case: 409',
    send('POST', '/api/athletes', { ...newAthlete, Email: 'sam.berg@example.TEST' }),
  ),

  // ------------------------------------------------------------------ athletes-update
  {
    route: 'athletes-update',
    name: 'updated',
    description: 'the update answers the athlete with Version + 1; a read afterwards agrees',
    steps: steps(
      { request: send('PUT', `/api/athletes/${active.id}`, athleteUpdate) },
      { request: get(`/api/athletes/${active.id}`), ignore: [STAMPED_BY_WRITE] },
    ),
  },
  one(
    'athletes-update',
    'unknown',
    'a valid body for a GUID no athlete has: 404',
    send('PUT', `/api/athletes/${UNKNOWN_ID}`, athleteUpdate),
  ),
  one(
    'athletes-update',
    'invalid-body-beats-unknown',
    'model validation runs before the action looks the athlete up',
    send('PUT', `/api/athletes/${UNKNOWN_ID}`, { ...athleteUpdate, Email: null }),
  ),
  one(
    'athletes-update',
    'email-of-another',
    "another athlete's e-mail: 409",
    send('PUT', `/api/athletes/${active.id}`, { ...athleteUpdate, Email: ATHLETES[4].email }),
  ),
  one(
    'athletes-update',
    'lone-surrogate',
    'a lone surrogate escape in an update: the member is blamed, nothing is written',
    sendRaw('PUT', `/api/athletes/${active.id}`, withRawMember(athleteUpdate, 'LastName', '"\\ud800x"')),
  ),
  one(
    'athletes-update',
    'invalid-utf8',
    'bytes that are not UTF-8 in an update: the member is blamed, nothing is written',
    sendBytes('PUT', `/api/athletes/${active.id}`, withBytesMember(athleteUpdate, 'Email', [0x61, 0xfe])),
  ),
  one(
    'athletes-update',
    'not-a-guid',
    'the {id:guid} constraint fails: empty 404',
    send('PUT', '/api/athletes/abc', athleteUpdate),
  ),

  // ------------------------------------------------------------------ athletes-delete
  {
    route: 'athletes-delete',
    name: 'soft-delete',
    description: 'DELETE answers 204; the athlete stays readable with IsActive false and Version + 1',
    steps: steps(
      { request: { ...get(`/api/athletes/${active.id}`), method: 'DELETE' } },
      { request: get(`/api/athletes/${active.id}`), ignore: [STAMPED_BY_WRITE] },
      { request: get(`/api/squads/${active.squadId}/athletes`) },
    ),
  },
  {
    route: 'athletes-delete',
    name: 'already-inactive',
    description: 'deleting an inactive athlete again is a 204 that changes nothing',
    steps: steps(
      { request: { ...get(`/api/athletes/${inactive.id}`), method: 'DELETE' } },
      { request: get(`/api/athletes/${inactive.id}`) },
    ),
  },
  one('athletes-delete', 'unknown', 'a GUID no athlete has: 404', {
    ...get(`/api/athletes/${UNKNOWN_ID}`),
    method: 'DELETE',
  }),

  // ------------------------------------------------------------------ wellness-list
  one(
    'wellness-list',
    'all-entries',
    'every entry by date, scores with their decimal scale',
    get(wellnessPath),
  ),
  one(
    'wellness-list',
    'date-range',
    'from and to are inclusive',
    get(`${wellnessPath}?from=2026-11-02&to=2026-11-04`),
  ),
  one(
    'wellness-list',
    'early-year-range',
    'from and to in years 0001–0099 are dates like any other',
    get(`${wellnessPath}?from=0050-01-01&to=0099-12-31`),
  ),
  one('wellness-list', 'paged', 'page 2 with 4 per page', get(`${wellnessPath}?page=2&pageSize=4`)),
  one(
    'wellness-list',
    'invalid-dates',
    'from that is not a date, to before from',
    get(`${wellnessPath}?from=2026-13-01&to=yesterday`),
  ),
  one(
    'wellness-list',
    'to-before-from',
    'to earlier than from',
    get(`${wellnessPath}?from=2026-11-05&to=2026-11-01`),
  ),
  one(
    'wellness-list',
    'empty-values',
    'empty from and to are absent; an empty page is invalid (a non-nullable int)',
    get(`${wellnessPath}?from=&to=&page=`),
  ),
  one(
    'wellness-list',
    'blank-page-size',
    'a blank pageSize is invalid too',
    get(`${wellnessPath}?pageSize=%20`),
  ),
  one(
    'wellness-list',
    'invariant-culture-dates',
    'DateOnly.Parse with the invariant culture: MM/dd/yyyy, a midnight time, surrounding spaces',
    get(`${wellnessPath}?from=11/02/2026&to=%202026-11-04T00:00:00%20`),
  ),
  one(
    'wellness-list',
    'month-names-and-times',
    'DateOnly.Parse takes English month names and drops a time of day',
    get(`${wellnessPath}?from=Nov%202%202026&to=2026-11-04T12:30:00.5`),
  ),
  one(
    'wellness-list',
    'no-entries',
    'an athlete without entries: []',
    get(`/api/athletes/${ATHLETES[1].id}/wellness`),
  ),
  one(
    'wellness-list',
    'unknown-athlete',
    'a GUID no athlete has: 404',
    get(`/api/athletes/${UNKNOWN_ID}/wellness`),
  ),

  // ------------------------------------------------------------------ wellness-create
  one(
    'wellness-create',
    'created-half-even',
    '3.85 rounds half to even: 3.8',
    send('POST', wellnessPath, { EntryDate: '2026-11-20', ...answers385, Notes: 'Good session' }),
  ),
  one(
    'wellness-create',
    'created-whole-score',
    'a whole score keeps its scale: 5.0; answers may come as strings',
    send('POST', wellnessPath, {
      EntryDate: '2026-11-21',
      Sleep: '5',
      Soreness: 1,
      Fatigue: 1,
      Stress: 1,
      Mood: 5,
    }),
  ),
  {
    route: 'wellness-create',
    name: 'second-entry-same-day',
    description: 'one entry per athlete per day: the second is a 409',
    steps: steps(
      { request: send('POST', wellnessPath, { EntryDate: '2026-11-22', ...answers385 }) },
      { request: send('POST', wellnessPath, { EntryDate: '2026-11-22', ...answers385, Mood: 1 }) },
    ),
  },
  one(
    'wellness-create',
    'invalid-utf8-notes',
    'notes whose bytes are not UTF-8 (a UTF-8-encoded surrogate): Notes is blamed',
    sendBytes(
      'POST',
      wellnessPath,
      withBytesMember({ EntryDate: '2026-11-23', ...answers385, Notes: '' }, 'Notes', [0xed, 0xa0, 0x80]),
    ),
  ),
  one(
    'wellness-create',
    'seeded-day-conflict',
    'a day that already has an entry: 409',
    send('POST', wellnessPath, { EntryDate: '2026-11-01', ...answers385 }),
  ),
  one(
    'wellness-create',
    'out-of-range-and-missing',
    'answers outside 1..5 and missing ones, in declaration order',
    send('POST', wellnessPath, {
      EntryDate: '2026-11-20',
      Sleep: 0,
      Soreness: 6,
      Stress: 3,
      Notes: 'n'.repeat(501),
    }),
  ),
  one(
    'wellness-create',
    'fractional-answer',
    'an answer of 4.5 cannot bind to an Int32',
    send('POST', wellnessPath, { EntryDate: '2026-11-20', ...answers385, Sleep: 4.5 }),
  ),
  one(
    'wellness-create',
    'plus-signed-string-answer',
    'an Int32 read from a string takes a leading + (a JSON number cannot have one)',
    send('POST', wellnessPath, { EntryDate: '2026-11-20', ...answers385, Sleep: '+4' }),
  ),
  one(
    'wellness-create',
    'object-as-answer',
    'an object where an Int32 belongs fails the whole body',
    send('POST', wellnessPath, { EntryDate: '2026-11-20', ...answers385, Sleep: { text: '4' } }),
  ),
  one(
    'wellness-create',
    'unknown-athlete',
    'a valid entry for a GUID no athlete has: 404',
    send('POST', `/api/athletes/${UNKNOWN_ID}/wellness`, { EntryDate: '2026-11-20', ...answers385 }),
  ),
];

export const CONTRACT_SCENARIOS: readonly ContractScenario[] = withCallers([
  ...ROUTE_SCENARIOS,
  ...REFUSAL_SCENARIOS,
]);
