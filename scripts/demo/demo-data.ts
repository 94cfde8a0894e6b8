import type { LegacyAthlete } from '../../adapters/mappings/athlete.ts';
import type { LegacyOrganisation } from '../../adapters/mappings/organisation.ts';
import type { LegacySquad } from '../../adapters/mappings/squad.ts';
import { computeWellnessScore } from '../../adapters/mappings/wellness-score.ts';
import type { LegacyWellnessEntry } from '../../adapters/mappings/wellness-entry.ts';
import { DEMO_ORGANISATIONS, organisationOfSquad } from './demo-organisations.ts';
import { createSeededRandom } from './seeded-random.ts';
import type { SeededRandom } from './seeded-random.ts';
import { MEN, NOTES, POSITIONS, SQUADS, SURNAMES, WOMEN, type SquadPlan } from './demo-names.ts';

/*
 * The demo data set of a football club's sports-performance platform, generated deterministically: the
 * same `today` and seed give the same rows on every machine. Rows are in the legacy shape (as SQL Server
 * returns them); the new side gets them through the entity mappings.
 *
 * Timestamps are generated at millisecond precision (the last four of datetime2's seven digits are 0):
 * both schemas store them exactly (the stand-in's timestamp(6) could not keep a 7th digit anyway), and
 * code that formats a plain JS Date shows the same value as code that formats the column text.
 */

export interface DemoDataOptions {
  /** 'YYYY-MM-DD' (UTC): the last day with wellness entries. */
  readonly today: string;
  readonly seed?: number;
  readonly days?: number;
}

export interface DemoData {
  readonly organisations: readonly LegacyOrganisation[];
  readonly squads: readonly LegacySquad[];
  readonly athletes: readonly LegacyAthlete[];
  readonly wellnessEntries: readonly LegacyWellnessEntry[];
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dayOffset(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD HH:MM:SS.fff0000' at a random millisecond between the two hours of `date`. */
function datetime2On(random: SeededRandom, date: string, fromHour: number, toHour: number): string {
  const ms = random.int(fromHour * 3_600_000, toHour * 3_600_000 - 1);
  const d = new Date(Date.parse(`${date}T00:00:00Z`) + ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}0000`;
  return `${date} ${time}`;
}

function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase();
}

const clamp = (n: number): number => Math.min(5, Math.max(1, Math.round(n)));

/** What every generated record depends on besides its own draws. */
interface Generation {
  readonly random: SeededRandom;
  readonly days: number;
  readonly firstDay: string;
  readonly todayYear: number;
  readonly window: readonly { readonly date: string; readonly weekday: number }[];
  /** E-mails handed out so far: the legacy's unique index compares them case-insensitively. */
  readonly emails: Set<string>;
}

function uniqueEmail(emails: Set<string>, first: string, last: string): string {
  const local = emailLocalPart(first, last);
  let email = `${local}@athletes.example.org`;
  for (let n = 2; emails.has(email); n++) email = `${local}${n}@athletes.example.org`;
  emails.add(email);
  return email;
}

/** One athlete of the squad, and the day it was deactivated (inactive athletes left during the window). */
function generateAthlete(
  g: Generation,
  plan: SquadPlan,
  squadId: string,
): { athlete: LegacyAthlete; leftOn: string | undefined } {
  const { random } = g;
  const first = random.pick(plan.women ? WOMEN : MEN);
  const last = random.pick(SURNAMES);
  const email = uniqueEmail(g.emails, first, last);
  const age = random.int(plan.ageMin, plan.ageMax);
  const dateOfBirth = `${g.todayYear - age - 1}-${pad(random.int(1, 12))}-${pad(random.int(1, 28))}`;
  // Joined the club some time in the last four years, always before the wellness window.
  const joined = dayOffset(g.firstDay, -random.int(30, 4 * 365));
  const createdAt = datetime2On(random, joined, 7, 19);
  const inactive = random.chance(0.08);
  // Inactive athletes left during the window: their entries stop on the day they were deactivated.
  const leftOn = inactive ? dayOffset(g.firstDay, random.int(10, g.days - 5)) : undefined;
  const updatedAt = leftOn === undefined ? createdAt : datetime2On(random, leftOn, 9, 17);
  const athlete: LegacyAthlete = {
    AthleteId: random.guid(),
    SquadId: squadId,
    FirstName: first,
    LastName: last,
    Email: random.chance(0.05) ? email.replace(/^./, (c) => c.toUpperCase()) : email,
    DateOfBirth: dateOfBirth,
    Position: random.chance(0.06) ? null : random.pick(POSITIONS),
    IsActive: !inactive,
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
    Version: leftOn === undefined ? '1' : '2',
  };
  return { athlete, leftOn };
}

/** An athlete's entries over the window, until the day it left. */
function generateWellness(
  g: Generation,
  athleteId: string,
  leftOn: string | undefined,
): LegacyWellnessEntry[] {
  const { random } = g;
  // Each athlete has a baseline (some sleep well, some are always sore) and a compliance rate.
  const compliance = 0.55 + random.next() * 0.42;
  const baseline = {
    sleep: 2.5 + random.next() * 2,
    soreness: 1.5 + random.next() * 2,
    fatigue: 1.5 + random.next() * 2,
    stress: 1.2 + random.next() * 2,
    mood: 2.8 + random.next() * 2,
  };
  const entries: LegacyWellnessEntry[] = [];
  for (const { date, weekday } of g.window) {
    if (leftOn !== undefined && date >= leftOn) break;
    if (!random.chance(compliance)) continue;
    // Match days (Saturdays) leave their mark on the next two days.
    const load = weekday === 0 ? 1.2 : weekday === 1 ? 0.6 : 0;
    const answers = {
      sleep: clamp(baseline.sleep + (random.next() - 0.5) * 2),
      soreness: clamp(baseline.soreness + load + (random.next() - 0.5) * 2),
      fatigue: clamp(baseline.fatigue + load + (random.next() - 0.5) * 2),
      stress: clamp(baseline.stress + (random.next() - 0.5) * 2),
      mood: clamp(baseline.mood - load / 2 + (random.next() - 0.5) * 2),
    };
    entries.push({
      WellnessEntryId: random.guid(),
      AthleteId: athleteId,
      EntryDate: date,
      Sleep: answers.sleep,
      Soreness: answers.soreness,
      Fatigue: answers.fatigue,
      Stress: answers.stress,
      Mood: answers.mood,
      Score: computeWellnessScore(answers),
      Notes: random.chance(0.07) ? random.pick(NOTES) : null,
      CreatedAt: datetime2On(random, date, 6, 11),
      Version: '1',
    });
  }
  return entries;
}

export function generateDemoData(options: DemoDataOptions): DemoData {
  const days = options.days ?? 90;
  const firstDay = dayOffset(options.today, -(days - 1));
  const g: Generation = {
    random: createSeededRandom(options.seed ?? 20_261_121),
    days,
    firstDay,
    todayYear: Number(options.today.slice(0, 4)),
    window: Array.from({ length: days }, (_, d) => {
      const date = dayOffset(firstDay, d);
      return { date, weekday: new Date(`${date}T00:00:00Z`).getUTCDay() };
    }),
    emails: new Set<string>(),
  };
  const squads: LegacySquad[] = [];
  const athletes: LegacyAthlete[] = [];
  const wellnessEntries: LegacyWellnessEntry[] = [];
  SQUADS.forEach((plan, squadIndex) => {
    const squadId = g.random.guid();
    squads.push({
      SquadId: squadId,
      OrganisationId: organisationOfSquad(plan.name).id.toUpperCase(),
      Name: plan.name,
      Sport: 'Football',
      CreatedAt: datetime2On(g.random, `2019-07-${pad(1 + squadIndex)}`, 8, 18),
      Version: '1',
    });
    for (let i = 0; i < plan.size; i++) {
      const { athlete, leftOn } = generateAthlete(g, plan, squadId);
      athletes.push(athlete);
      wellnessEntries.push(...generateWellness(g, athlete.AthleteId, leftOn));
    }
  });
  return { organisations: demoOrganisationRows(), squads, athletes, wellnessEntries };
}

// Fixed rows, not drawn from the seeded stream: adding them changed no other generated value.
function demoOrganisationRows(): LegacyOrganisation[] {
  return DEMO_ORGANISATIONS.map((organisation, index) => ({
    OrganisationId: organisation.id.toUpperCase(),
    Name: organisation.name,
    CreatedAt: `2019-06-${pad(1 + index)} 09:00:00.0000000`,
    Version: '1',
  }));
}
