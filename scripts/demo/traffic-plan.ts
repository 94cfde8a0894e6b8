/**
 * What the demo traffic generator sends next: a weighted mix of the athlete API's reads and writes, each
 * from one of the run's callers (one per organisation) on that organisation's own rows, with a few
 * requests that legacy refuses or hides (another organisation's athlete, no token at all).
 */

export interface Planned {
  readonly kind: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The caller who sends it (an index into the run's callers); undefined: no Authorization header. */
  readonly caller: number | undefined;
  readonly body?: unknown;
  /** A new wellness entry's athlete: the run picks the day (EntryDays), so the body has no EntryDate yet. */
  readonly entryFor?: string;
}

/** Ids one caller found on the API at the start, so most of its requests hit its own rows. */
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

/**
 * Plans requests from one seeded random source; every call draws from it in a fixed order.
 * `catalogues[i]` is what caller i found.
 */
export function createPlanner(
  random: () => number,
  catalogues: readonly Catalogue[],
  writeRatio: number,
): () => Planned {
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const answer = () => 1 + Math.floor(random() * 5);

  const wellnessEntry = (caller: number, athlete: string): Planned => ({
    kind: 'wellness-create',
    method: 'POST',
    path: `/api/athletes/${athlete}/wellness`,
    caller,
    entryFor: athlete,
    body: {
      Sleep: answer(),
      Soreness: answer(),
      Fatigue: answer(),
      Stress: answer(),
      Mood: answer(),
      Notes: random() < 0.3 ? 'demo traffic' : null,
    },
  });

  // Another caller's athlete: legacy's query filters hide it (404), and strangler must too.
  const othersAthlete = (caller: number): string | undefined =>
    pick(catalogues.filter((_, i) => i !== caller).flatMap((c) => c.athleteIds));

  return () => {
    const caller = Math.floor(random() * Math.max(1, catalogues.length));
    const own = catalogues[caller] ?? { squadIds: [], athleteIds: [] };
    const athlete = pick(own.athleteIds) ?? crypto.randomUUID();
    const squad = pick(own.squadIds) ?? crypto.randomUUID();
    if (random() < writeRatio) return wellnessEntry(caller, athlete);
    const r = random();
    if (r < 0.13) return { kind: 'squads', method: 'GET', path: '/api/squads', caller };
    if (r < 0.28) {
      return { kind: 'squad-athletes', method: 'GET', path: `/api/squads/${squad}/athletes`, caller };
    }
    if (r < 0.43) {
      const page = 1 + Math.floor(random() * 3);
      const size = pick([10, 20, 50]) ?? 20;
      const path = `/api/athletes?page=${page}&pageSize=${size}`;
      return { kind: 'athletes-page', method: 'GET', path, caller };
    }
    if (r < 0.66) return { kind: 'athlete', method: 'GET', path: `/api/athletes/${athlete}`, caller };
    if (r < 0.9) {
      return { kind: 'wellness-list', method: 'GET', path: `/api/athletes/${athlete}/wellness`, caller };
    }
    const unknown: Planned = {
      // An unknown id: not-found handling is part of the legacy contract too.
      kind: 'athlete-unknown',
      method: 'GET',
      path: `/api/athletes/${crypto.randomUUID()}`,
      caller,
    };
    if (r < 0.95) return unknown;
    if (r < 0.98) {
      const other = othersAthlete(caller);
      if (other === undefined) return unknown;
      return {
        kind: 'athlete-of-another-organisation',
        method: 'GET',
        path: `/api/athletes/${other}`,
        caller,
      };
    }
    return { kind: 'no-token', method: 'GET', path: '/api/squads', caller: undefined };
  };
}
