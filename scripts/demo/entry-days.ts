/**
 * Days for the traffic generator's new wellness entries. Legacy allows one entry per athlete and day
 * (409 for a second), so each athlete's new entries go back day by day from before its earliest entry:
 * a second run starts before the first run's last day and never lands on a taken one.
 */

/**
 * The athlete's earliest entry day (YYYY-MM-DD); null when it has none; undefined when it could not be
 * read (an error, the request budget spent): then no day is safe to guess.
 */
export type EarliestEntry = (athleteId: string) => Promise<string | null | undefined>;

export function dayBefore(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

export class EntryDays {
  readonly #earliest: EarliestEntry;
  readonly #today: () => string;
  /** Per athlete, the next free day; a promise so concurrent senders share one lookup. */
  readonly #next = new Map<string, Promise<{ day: string } | undefined>>();

  constructor(earliest: EarliestEntry, today: () => string = () => new Date().toISOString().slice(0, 10)) {
    this.#earliest = earliest;
    this.#today = today;
  }

  /** A day the athlete has no entry on, or undefined when its entries could not be read (skip the write). */
  async next(athleteId: string): Promise<string | undefined> {
    let state = this.#next.get(athleteId);
    if (state === undefined) {
      state = this.#earliest(athleteId).then((earliest) =>
        earliest === undefined ? undefined : { day: dayBefore(earliest ?? this.#today()) },
      );
      this.#next.set(athleteId, state);
    }
    const free = await state;
    if (free === undefined) {
      // Read again for the athlete's next write.
      if (this.#next.get(athleteId) === state) this.#next.delete(athleteId);
      return undefined;
    }
    const day = free.day;
    free.day = dayBefore(day);
    return day;
  }
}
