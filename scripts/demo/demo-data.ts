import type { LegacyAthlete } from '../../adapters/mappings/athlete.ts';
import type { LegacySquad } from '../../adapters/mappings/squad.ts';
import { computeWellnessScore } from '../../adapters/mappings/wellness-score.ts';
import type { LegacyWellnessEntry } from '../../adapters/mappings/wellness-entry.ts';
import { createSeededRandom } from './seeded-random.ts';
import type { SeededRandom } from './seeded-random.ts';

/*
 * The demo data set of a football club's sports-performance platform, generated deterministically: the
 * same `today` and seed give the same rows on every machine. Rows are in the legacy shape (as SQL Server
 * returns them); the new side gets them through the entity mappings.
 *
 * Timestamps are generated at millisecond precision (the last four of datetime2's seven digits are 0):
 * both schemas store them exactly (the stand-in's timestamp(6) could not keep a 7th digit anyway), and
 * code that formats a plain JS Date shows the same value as code that formats the column text.
 */

export interface DemoData {
  readonly squads: readonly LegacySquad[];
  readonly athletes: readonly LegacyAthlete[];
  readonly wellnessEntries: readonly LegacyWellnessEntry[];
}

export interface DemoDataOptions {
  /** 'YYYY-MM-DD' (UTC): the last day with wellness entries. */
  readonly today: string;
  readonly seed?: number;
  readonly days?: number;
}

interface SquadPlan {
  readonly name: string;
  readonly size: number;
  readonly women: boolean;
  readonly ageMin: number;
  readonly ageMax: number;
}

const SQUADS: readonly SquadPlan[] = [
  { name: 'First Team', size: 32, women: false, ageMin: 18, ageMax: 35 },
  { name: 'U23', size: 40, women: false, ageMin: 18, ageMax: 22 },
  { name: "Women's First Team", size: 30, women: true, ageMin: 17, ageMax: 34 },
  { name: 'Academy U18', size: 52, women: false, ageMin: 15, ageMax: 17 },
  { name: "Women's U21", size: 46, women: true, ageMin: 16, ageMax: 20 },
];

const MEN = [
  'James',
  'Oliver',
  'Jack',
  'Harry',
  'Mohamed',
  'Lucas',
  'Mateo',
  'Kai',
  'Noah',
  'Samuel',
  'Ethan',
  'Tomás',
  'Jonas',
  'Youssef',
  'Luca',
  'Daniel',
  'Kwame',
  'Rhys',
  'Callum',
  'Finn',
  'Andrés',
  'Mikel',
  'Joël',
  'Ibrahima',
  'Seán',
];
const WOMEN = [
  'Emma',
  'Sophie',
  'Chloe',
  'Amelia',
  'Lucía',
  'Grace',
  'Aoife',
  'Zoë',
  'Maya',
  'Freya',
  'Isabella',
  'Leah',
  'Niamh',
  'Ella',
  'Hannah',
  'Olivia',
  'Fatima',
  'Ines',
  'Mia',
  'Keira',
  'Lotte',
  'Ayesha',
  'Beth',
  'Jess',
  'Ruby',
];
const SURNAMES = [
  'Smith',
  'Jones',
  'Williams',
  'Taylor',
  'Brown',
  'Davies',
  'Evans',
  'Wilson',
  'Thomas',
  'Johnson',
  'Roberts',
  'Walker',
  'Wright',
  'Robinson',
  'Thompson',
  'White',
  'Hughes',
  'Edwards',
  'Green',
  'Hall',
  'Wood',
  'Harris',
  'Martin',
  'Jackson',
  'Clarke',
  "O'Brien",
  'Murphy',
  'Kelly',
  'García',
  'Fernández',
  'Silva',
  'Santos',
  'Müller',
  'Schmidt',
  'Diallo',
  'Traoré',
  'Mensah',
  'Okafor',
  'Nakamura',
  'Kowalski',
  'Van Dijk',
  'De Jong',
  'Rossi',
  'Bianchi',
  'Novak',
  'Yilmaz',
  'Haddad',
  'Andersen',
  'Nielsen',
  'MacDonald',
];
// Squad shape: a few goalkeepers, more outfield players; some records never got a position.
const POSITIONS = [
  'Goalkeeper',
  'Centre Back',
  'Centre Back',
  'Full Back',
  'Full Back',
  'Defensive Midfielder',
  'Central Midfielder',
  'Central Midfielder',
  'Attacking Midfielder',
  'Winger',
  'Winger',
  'Striker',
];
const NOTES = [
  'Slept badly after the away trip',
  'Tight hamstring',
  'Feeling sharp',
  'Exam week',
  'Travel day',
  'Mild cold',
  'Recovery session helped',
  'Late kick-off yesterday',
];

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

export function generateDemoData(options: DemoDataOptions): DemoData {
  const random = createSeededRandom(options.seed ?? 20_261_121);
  const days = options.days ?? 90;
  const firstDay = dayOffset(options.today, -(days - 1));
  const todayYear = Number(options.today.slice(0, 4));
  const window = Array.from({ length: days }, (_, d) => {
    const date = dayOffset(firstDay, d);
    return { date, weekday: new Date(`${date}T00:00:00Z`).getUTCDay() };
  });

  const squads: LegacySquad[] = [];
  const athletes: LegacyAthlete[] = [];
  const wellnessEntries: LegacyWellnessEntry[] = [];
  const emails = new Set<string>();

  SQUADS.forEach((plan, squadIndex) => {
    const squadId = random.guid();
    squads.push({
      SquadId: squadId,
      Name: plan.name,
      Sport: 'Football',
      CreatedAt: datetime2On(random, `2019-07-${pad(1 + squadIndex)}`, 8, 18),
      Version: '1',
    });

    for (let i = 0; i < plan.size; i++) {
      const first = random.pick(plan.women ? WOMEN : MEN);
      const last = random.pick(SURNAMES);
      const local = emailLocalPart(first, last);
      let email = `${local}@athletes.example.org`;
      for (let n = 2; emails.has(email); n++) email = `${local}${n}@athletes.example.org`;
      emails.add(email);

      const age = random.int(plan.ageMin, plan.ageMax);
      const dateOfBirth = `${todayYear - age - 1}-${pad(random.int(1, 12))}-${pad(random.int(1, 28))}`;
      // Joined the club some time in the last four years, always before the wellness window.
      const joined = dayOffset(firstDay, -random.int(30, 4 * 365));
      const createdAt = datetime2On(random, joined, 7, 19);
      const inactive = random.chance(0.08);
      // Inactive athletes left during the window: their entries stop on the day they were deactivated.
      const leftOn = inactive ? dayOffset(firstDay, random.int(10, days - 5)) : undefined;
      const updatedAt = leftOn === undefined ? createdAt : datetime2On(random, leftOn, 9, 17);
      const athleteId = random.guid();
      athletes.push({
        AthleteId: athleteId,
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
      });

      // Each athlete has a baseline (some sleep well, some are always sore) and a compliance rate.
      const compliance = 0.55 + random.next() * 0.42;
      const baseline = {
        sleep: 2.5 + random.next() * 2,
        soreness: 1.5 + random.next() * 2,
        fatigue: 1.5 + random.next() * 2,
        stress: 1.2 + random.next() * 2,
        mood: 2.8 + random.next() * 2,
      };
      for (const { date, weekday } of window) {
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
        wellnessEntries.push({
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
    }
  });

  return { squads, athletes, wellnessEntries };
}
