/*
 * The new schema (adapters/schema.ts, NewDatabase) on PostgreSQL: snake_case, uuid keys supplied by the
 * application (the legacy GUIDs are kept), timestamptz, boolean, numeric(3,1) scores. Constraints mirror
 * the legacy ones so a row valid on one side is valid on the other: lengths are the legacy nvarchar
 * lengths and, like nvarchar NOT NULL, an empty string is allowed.
 */
export const up: readonly string[] = [
  `CREATE TABLE organisations (
    id uuid PRIMARY KEY,
    name text NOT NULL CONSTRAINT organisations_name_length CHECK (char_length(name) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 1 CONSTRAINT organisations_version_positive CHECK (version >= 1)
  )`,
  `CREATE TABLE squads (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name text NOT NULL CONSTRAINT squads_name_length CHECK (char_length(name) <= 100),
    sport text NOT NULL CONSTRAINT squads_sport_length CHECK (char_length(sport) <= 50),
    created_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 1 CONSTRAINT squads_version_positive CHECK (version >= 1)
  )`,
  `CREATE INDEX squads_organisation_id_idx ON squads (organisation_id)`,
  `CREATE TABLE athletes (
    id uuid PRIMARY KEY,
    squad_id uuid NOT NULL REFERENCES squads (id),
    first_name text NOT NULL CONSTRAINT athletes_first_name_length CHECK (char_length(first_name) <= 100),
    last_name text NOT NULL CONSTRAINT athletes_last_name_length CHECK (char_length(last_name) <= 100),
    email text NOT NULL CONSTRAINT athletes_email_length CHECK (char_length(email) <= 256),
    date_of_birth date NOT NULL,
    position text CONSTRAINT athletes_position_length CHECK (char_length(position) <= 50),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 1 CONSTRAINT athletes_version_positive CHECK (version >= 1)
  )`,
  // Legacy compares e-mails with a case-insensitive collation (SQL_Latin1_General_CP1_CI_AS).
  `CREATE UNIQUE INDEX athletes_email_lower_key ON athletes (lower(email))`,
  `CREATE INDEX athletes_squad_id_idx ON athletes (squad_id)`,
  `CREATE TABLE wellness_entries (
    id uuid PRIMARY KEY,
    athlete_id uuid NOT NULL REFERENCES athletes (id),
    entry_date date NOT NULL,
    sleep smallint NOT NULL CONSTRAINT wellness_entries_sleep_range CHECK (sleep BETWEEN 1 AND 5),
    soreness smallint NOT NULL CONSTRAINT wellness_entries_soreness_range CHECK (soreness BETWEEN 1 AND 5),
    fatigue smallint NOT NULL CONSTRAINT wellness_entries_fatigue_range CHECK (fatigue BETWEEN 1 AND 5),
    stress smallint NOT NULL CONSTRAINT wellness_entries_stress_range CHECK (stress BETWEEN 1 AND 5),
    mood smallint NOT NULL CONSTRAINT wellness_entries_mood_range CHECK (mood BETWEEN 1 AND 5),
    score numeric(3, 1) NOT NULL CONSTRAINT wellness_entries_score_range CHECK (score BETWEEN 1 AND 5),
    notes text CONSTRAINT wellness_entries_notes_length CHECK (char_length(notes) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 1 CONSTRAINT wellness_entries_version_positive CHECK (version >= 1),
    CONSTRAINT wellness_entries_athlete_id_entry_date_key UNIQUE (athlete_id, entry_date)
  )`,
];

export const down: readonly string[] = [
  'DROP TABLE wellness_entries',
  'DROP TABLE athletes',
  'DROP TABLE squads',
  'DROP TABLE organisations',
];
