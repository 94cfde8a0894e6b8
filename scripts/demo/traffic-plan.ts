/** What the demo traffic generator sends next: a weighted mix of the athlete API's reads and writes. */

export interface Planned {
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

/** Ids found on the API at the start, so most requests hit existing rows. */
export interface Catalogue {
  readonly squadIds: readonly string[];
  readonly athleteIds: readonly string[];
}

export function idsOf(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item: unknown) =>
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[field] : undefined,
    )
    .filter((id): id is string => typeof id === 'string');
}

/** Plans requests from one seeded random source; every call draws from it in a fixed order. */
export function createPlanner(random: () => number, catalogue: Catalogue, writeRatio: number): () => Planned {
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];

  const wellnessEntry = (athlete: string): Planned => {
    // Random day in 2025: a repeat lands on the unique (athlete, date) key and gets legacy's 409.
    const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000);
    const answer = () => 1 + Math.floor(random() * 5);
    return {
      kind: 'wellness-create',
      method: 'POST',
      path: `/api/athletes/${athlete}/wellness`,
      body: {
        EntryDate: day.toISOString().slice(0, 10),
        Sleep: answer(),
        Soreness: answer(),
        Fatigue: answer(),
        Stress: answer(),
        Mood: answer(),
        Notes: random() < 0.3 ? 'demo traffic' : null,
      },
    };
  };

  return () => {
    const athlete = pick(catalogue.athleteIds) ?? crypto.randomUUID();
    const squad = pick(catalogue.squadIds) ?? crypto.randomUUID();
    if (random() < writeRatio) return wellnessEntry(athlete);
    const r = random();
    if (r < 0.15) return { kind: 'squads', method: 'GET', path: '/api/squads' };
    if (r < 0.3) return { kind: 'squad-athletes', method: 'GET', path: `/api/squads/${squad}/athletes` };
    if (r < 0.45) {
      const page = 1 + Math.floor(random() * 3);
      const size = pick([10, 20, 50]) ?? 20;
      return { kind: 'athletes-page', method: 'GET', path: `/api/athletes?page=${page}&pageSize=${size}` };
    }
    if (r < 0.7) return { kind: 'athlete', method: 'GET', path: `/api/athletes/${athlete}` };
    if (r < 0.95) return { kind: 'wellness-list', method: 'GET', path: `/api/athletes/${athlete}/wellness` };
    // An unknown id: not-found handling is part of the legacy contract too.
    return { kind: 'athlete-unknown', method: 'GET', path: `/api/athletes/${crypto.randomUUID()}` };
  };
}
