import { randomUUID } from 'node:crypto';

import type { SelectQueryBuilder } from 'kysely';

import { computeWellnessScore } from '../../adapters/mappings/wellness-score.ts';
import type { NewDatabase } from '../../adapters/schema.ts';
import { jsonResponse, type HandlerRequest, type NewHandler } from '../../src/handlers/new-handler.ts';
import { athleteExists } from '../athletes/athlete-queries.ts';
import { dateAsLegacyDateTime, routeGuid, scoreJson, utcTimestamp } from '../shared/legacy-formats.ts';
import {
  locationOf,
  noEndpointResponse,
  problemResponse,
  ValidationErrors,
} from '../shared/legacy-responses.ts';
import { QueryParameters, type PageRequest } from '../shared/query-parameters.ts';
import { bindBody, type BodySchema, type BoundBody } from '../shared/request-body.ts';
import type { TenantDatabase, TenantTransaction } from '../shared/tenant-database.ts';
import { isUniqueViolation, type UnitOfWork } from '../shared/unit-of-work.ts';

const ANSWER = { type: 'int32', required: true, range: { min: 1, max: 5 } } as const;

/** The legacy's CreateWellnessEntryRequest. */
const WELLNESS_BODY = {
  dtoType: 'Legacy.Api.Contracts.CreateWellnessEntryRequest',
  fields: {
    EntryDate: { type: 'date', required: true },
    Sleep: ANSWER,
    Soreness: ANSWER,
    Fatigue: ANSWER,
    Stress: ANSWER,
    Mood: ANSWER,
    Notes: { type: 'text', maxLength: 500 },
  },
} as const satisfies BodySchema;

const ENTRY_PER_DAY = 'wellness_entries_athlete_id_entry_date_key';

function selectEntry(db: TenantTransaction) {
  return db
    .selectFrom('wellness_entries')
    .select([
      'id',
      'athlete_id',
      'entry_date',
      'sleep',
      'soreness',
      'fatigue',
      'stress',
      'mood',
      'score',
      'notes',
      utcTimestamp('created_at').as('created_at_text'),
    ]);
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof selectEntry>['executeTakeFirstOrThrow']>>;

/** WellnessEntryDto, member order as the legacy writes it. */
function entryJson(row: EntryRow) {
  return {
    WellnessEntryId: row.id,
    AthleteId: row.athlete_id,
    EntryDate: dateAsLegacyDateTime(row.entry_date),
    Sleep: row.sleep,
    Soreness: row.soreness,
    Fatigue: row.fatigue,
    Stress: row.stress,
    Mood: row.mood,
    Score: scoreJson(row.score),
    Notes: row.notes,
    CreatedAt: row.created_at_text,
  };
}

function duplicateEntry(athleteId: string, entryDate: string) {
  return problemResponse(409, `A wellness entry for athlete '${athleteId}' on ${entryDate} already exists.`);
}

interface DateRange {
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/** One athlete's entries, within the range's dates where they are given. */
function ofAthleteWithin<O>(
  query: SelectQueryBuilder<NewDatabase, 'wellness_entries', O>,
  athleteId: string,
  range: DateRange,
): SelectQueryBuilder<NewDatabase, 'wellness_entries', O> {
  return query
    .where('athlete_id', '=', athleteId)
    .$if(range.from !== undefined, (q) => q.where('entry_date', '>=', range.from ?? ''))
    .$if(range.to !== undefined, (q) => q.where('entry_date', '<=', range.to ?? ''));
}

async function entryPage(db: TenantTransaction, athleteId: string, range: DateRange, page: PageRequest) {
  const count = await ofAthleteWithin(
    db.selectFrom('wellness_entries').select((eb) => eb.fn.countAll<string>().as('total')),
    athleteId,
    range,
  ).executeTakeFirstOrThrow();
  const rows = await ofAthleteWithin(selectEntry(db), athleteId, range)
    .orderBy('entry_date')
    .offset((page.page - 1) * page.pageSize)
    .limit(page.pageSize)
    .execute();
  return { total: Number(count.total), rows };
}

type WellnessBody = BoundBody<typeof WELLNESS_BODY>;

/**
 * Writes the athlete's entry for the body's day, or answers as the legacy action does: 404 for an
 * athlete the caller cannot see, 409 for a day that has its entry already.
 */
async function insertEntry(unit: UnitOfWork, request: HandlerRequest, athleteId: string, body: WellnessBody) {
  const entryDate = String(body.EntryDate);
  if (!(await athleteExists(unit.trx, athleteId))) return problemResponse(404);
  const existing = await unit.trx
    .selectFrom('wellness_entries')
    .select('id')
    .where('athlete_id', '=', athleteId)
    .where('entry_date', '=', entryDate)
    .executeTakeFirst();
  if (existing !== undefined) return duplicateEntry(athleteId, entryDate);
  const answers = {
    sleep: Number(body.Sleep),
    soreness: Number(body.Soreness),
    fatigue: Number(body.Fatigue),
    stress: Number(body.Stress),
    mood: Number(body.Mood),
  };
  const id = randomUUID();
  await unit.trx
    .insertInto('wellness_entries')
    .values({
      id,
      athlete_id: athleteId,
      entry_date: entryDate,
      ...answers,
      score: computeWellnessScore(answers),
      notes: body.Notes === null ? null : String(body.Notes),
      created_at: new Date(),
      version: 1,
    })
    .execute();
  const row = await selectEntry(unit.trx).where('id', '=', id).executeTakeFirstOrThrow();
  await unit.changed({ entity: 'wellness_entry', id, operation: 'insert', version: '1' });
  const location = `/api/athletes/${athleteId}/wellness?from=${entryDate}&to=${entryDate}`;
  return jsonResponse(201, entryJson(row), { Location: locationOf(request, location) });
}

export function createWellnessHandlers(data: TenantDatabase) {
  const list: NewHandler = async (request) => {
    const athleteId = routeGuid(request.params.id);
    if (athleteId === undefined) return noEndpointResponse();
    const errors = new ValidationErrors();
    const query = new QueryParameters(request.query, errors);
    const from = query.date('from');
    const to = query.date('to');
    const page = query.page();
    if (from !== undefined && to !== undefined && to < from) {
      errors.add('to', "The 'to' date must not be earlier than the 'from' date.");
    }
    if (errors.any) return errors.toResponse();
    const found = await data.read(request, async (trx) =>
      (await athleteExists(trx, athleteId)) ? entryPage(trx, athleteId, { from, to }, page) : undefined,
    );
    if (found === undefined) return problemResponse(404);
    return jsonResponse(200, found.rows.map(entryJson), { 'X-Total-Count': String(found.total) });
  };

  const create: NewHandler = async (request) => {
    const athleteId = routeGuid(request.params.id);
    if (athleteId === undefined) return noEndpointResponse();
    const bound = bindBody(request, WELLNESS_BODY);
    if (!bound.ok) return bound.response;
    try {
      return await data.write(request, (unit) => insertEntry(unit, request, athleteId, bound.value));
    } catch (error: unknown) {
      // A concurrent second entry for the same day loses on the unique constraint, as on the legacy.
      if (isUniqueViolation(error, ENTRY_PER_DAY))
        return duplicateEntry(athleteId, String(bound.value.EntryDate));
      throw error;
    }
  };

  return { list, create };
}
