/**
 * The soak's well-behaved traffic: one class per way a request crosses strangler (SOAK_FLAGS puts each
 * route in its mode), in fixed proportions, each request from one demo organisation on its own rows
 * with its own token, so every one of them should succeed (2xx).
 */
import { EntryDays } from '../demo/entry-days.ts';
import type { DemoCaller } from '../demo/demo-callers.ts';
import type { AthleteValues } from '../demo/legacy-stand-in/legacy-queries.ts';

/** Out of every 20 requests: how many of each class. */
const SCHEDULE = {
  /** A path no route declares: the catch-all to legacy. */
  'catch-all-read': 3,
  /** athletes-list, in `legacy`. */
  'legacy-read': 4,
  /** squads-list and wellness-list, in `shadow`. */
  'shadow-read': 4,
  /** athletes-get, in `new`. */
  'new-read': 4,
  /** athletes-update, in `new` (PostgreSQL, outbox, dual-write sync to the legacy database). */
  'new-write': 2,
  /** wellness-create, in `legacy`: a new entry per request. */
  'legacy-write': 3,
} as const;

export type TrafficClass = keyof typeof SCHEDULE;
export const TRAFFIC_CLASSES = Object.keys(SCHEDULE) as TrafficClass[];
const SLOTS: TrafficClass[] = TRAFFIC_CLASSES.flatMap((c) => Array<TrafficClass>(SCHEDULE[c]).fill(c));

export interface SoakRequest {
  readonly cls: TrafficClass;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

interface Athlete extends AthleteValues {
  readonly AthleteId: string;
}

/** What one caller found at the start: its squads and athletes, and each athlete's earliest entry day. */
export interface CallerRows {
  readonly token: string;
  readonly squadIds: readonly string[];
  readonly athletes: readonly Athlete[];
  readonly days: EntryDays;
}

/** Athletes per caller that get new entries (each costs one read at the start). */
const WRITTEN_ATHLETES = 5;

async function getJson(base: URL, path: string, token: string): Promise<unknown> {
  const response = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status} before the soak`);
  return response.json();
}

/** Reads each caller's rows through the public port before the clock starts. */
export async function discoverRows(base: URL, callers: readonly DemoCaller[]): Promise<CallerRows[]> {
  const rows: CallerRows[] = [];
  for (const { token } of callers) {
    const squads = (await getJson(base, '/api/squads', token)) as { SquadId: string }[];
    const page = await getJson(base, '/api/athletes?page=1&pageSize=50', token);
    const athletes = (page as Athlete[]).slice(0, 20);
    if (athletes.length === 0 || squads.length === 0) continue;
    const earliest = new Map<string, string | undefined>();
    for (const athlete of athletes.slice(0, WRITTEN_ATHLETES)) {
      const path = `/api/athletes/${athlete.AthleteId}/wellness?page=1&pageSize=1`;
      const first = (await getJson(base, path, token)) as { EntryDate?: string }[];
      earliest.set(athlete.AthleteId, first[0]?.EntryDate?.slice(0, 10));
    }
    const days = new EntryDays(async (id) => earliest.get(id));
    rows.push({ token, squadIds: squads.map((s) => s.SquadId), athletes, days });
  }
  if (rows.length === 0)
    throw new Error('the soak found no caller with squads and athletes: is the seed there?');
  return rows;
}

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

function updateBody(athlete: Athlete, n: number): string {
  return JSON.stringify({
    SquadId: athlete.SquadId,
    FirstName: athlete.FirstName,
    LastName: athlete.LastName,
    Email: athlete.Email,
    DateOfBirth: athlete.DateOfBirth.slice(0, 10),
    Position: n % 2 === 0 ? athlete.Position : 'Soak',
  });
}

async function wellnessBody(rows: CallerRows, athleteId: string, n: number): Promise<string> {
  const EntryDate = await rows.days.next(athleteId);
  const score = 1 + (n % 5);
  return JSON.stringify({
    EntryDate,
    Sleep: score,
    Soreness: score,
    Fatigue: 3,
    Stress: 2,
    Mood: 4,
    Notes: null,
  });
}

/** The n-th request of the run: its class from the schedule, its caller and row by round robin. */
export async function planRequest(all: readonly CallerRows[], n: number): Promise<SoakRequest> {
  const cls = pick(SLOTS, n);
  const rows = pick(all, Math.floor(n / SLOTS.length));
  const athlete = pick(rows.athletes, Math.floor(n / 7));
  const squad = pick(rows.squadIds, n);
  const headers = { authorization: `Bearer ${rows.token}`, accept: 'application/json' };
  const json = { ...headers, 'content-type': 'application/json' };
  switch (cls) {
    case 'catch-all-read':
      return { cls, method: 'GET', path: `/api/reports/availability?squadId=${squad}`, headers };
    case 'legacy-read':
      return { cls, method: 'GET', path: `/api/athletes?page=${1 + (n % 3)}&pageSize=10`, headers };
    case 'shadow-read': {
      const path = n % 2 === 0 ? '/api/squads' : `/api/athletes/${athlete.AthleteId}/wellness`;
      return { cls, method: 'GET', path, headers };
    }
    case 'new-read':
      return { cls, method: 'GET', path: `/api/athletes/${athlete.AthleteId}`, headers };
    case 'new-write': {
      // Consecutive writes go to different athletes: the soak measures steady state, not row-lock queues.
      const updated = pick(rows.athletes, n);
      const path = `/api/athletes/${updated.AthleteId}`;
      return { cls, method: 'PUT', path, headers: json, body: updateBody(updated, n) };
    }
    case 'legacy-write': {
      const written = pick(rows.athletes.slice(0, WRITTEN_ATHLETES), n);
      const body = await wellnessBody(rows, written.AthleteId, n);
      return {
        cls,
        method: 'POST',
        path: `/api/athletes/${written.AthleteId}/wellness`,
        headers: json,
        body,
      };
    }
  }
}
