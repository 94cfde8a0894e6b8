import type { CanonicalRow } from './canonical-row.ts';
import type { ColumnKind, SyncColumn, SyncEntity } from './sync-entities.ts';

/**
 * SQL for the PostgreSQL side of either direction: the new database (snake_case, timestamptz) and the
 * legacy stand-in (dbo, PascalCase, timestamp(6) holding UTC). Rows travel as text arrays through
 * `unnest`, one parameter per column however many rows, and are cast per column kind in SQL; values read
 * back are formatted to the canonical text in SQL (src/sync/canonical-row.ts), so no driver type parser
 * or session time zone can change them.
 */
export interface PgTarget {
  readonly entity: SyncEntity;
  /** Quoted, schema-qualified table name. */
  readonly table: string;
  readonly columnName: (column: SyncColumn) => string;
  /** true: timestamptz (new side); false: timestamp without time zone holding UTC (legacy stand-in). */
  readonly timestamptz: boolean;
  /**
   * The table of keys deleted on this side that the sync must not re-create (the legacy stand-in's
   * dbo.SyncTombstones, written by its delete trigger); none on the new side.
   */
  readonly tombstones?: string;
}

export interface PgQuery {
  readonly text: string;
  readonly values: unknown[];
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function newSideTarget(entity: SyncEntity): PgTarget {
  return pgTarget(entity, `public.${quoteIdent(entity.newTable)}`, (c) => c.name, true);
}

export function legacyStandInTarget(entity: SyncEntity): PgTarget {
  return {
    ...pgTarget(entity, `dbo.${quoteIdent(entity.legacyTable)}`, (c) => c.legacyName, false),
    tombstones: 'dbo."SyncTombstones"',
  };
}

function pgTarget(
  entity: SyncEntity,
  table: string,
  nameOf: (column: SyncColumn) => string,
  timestamptz: boolean,
): PgTarget {
  return { entity, table, columnName: (c) => quoteIdent(nameOf(c)), timestamptz };
}

/** The target's name for the entity's version column. */
function versionName(target: PgTarget): string {
  const column = target.entity.columns.find((c) => c.name === 'version');
  return column === undefined ? '"version"' : target.columnName(column);
}

function writeExpr(kind: ColumnKind, ref: string, timestamptz: boolean): string {
  switch (kind) {
    case 'uuid':
      return `${ref}::uuid`;
    case 'text':
      return ref;
    case 'date':
      return `${ref}::date`;
    case 'datetime':
      return timestamptz ? `${ref}::timestamptz` : `(${ref}::timestamptz AT TIME ZONE 'UTC')`;
    case 'boolean':
      return `${ref}::boolean`;
    case 'smallint':
      return `${ref}::smallint`;
    case 'bigint':
      return `${ref}::bigint`;
    case 'decimal':
      return `${ref}::numeric`;
  }
}

export function readExpr(kind: ColumnKind, ref: string, timestamptz: boolean): string {
  switch (kind) {
    case 'uuid':
      return `lower(${ref}::text)`;
    case 'text':
      return ref;
    case 'date':
      return `to_char(${ref}, 'YYYY-MM-DD')`;
    case 'datetime':
      return `to_char(${timestamptz ? `${ref} AT TIME ZONE 'UTC'` : ref}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    case 'boolean':
    case 'smallint':
    case 'bigint':
    case 'decimal':
      return `${ref}::text`;
  }
}

/** `SELECT` list giving every column in canonical text under its new-side name. */
export function canonicalSelectList(target: PgTarget, alias = 't'): string {
  return target.entity.columns
    .map(
      (c) =>
        `${readExpr(c.kind, `${alias}.${target.columnName(c)}`, target.timestamptz)} AS ${quoteIdent(c.name)}`,
    )
    .join(', ');
}

/**
 * Version-guarded multi-row upsert. A row is written when it is newer, or on a version tie when the
 * writing side owns the entity (the owner's write must win both sides of a concurrent edit, or the two
 * databases would each keep their own row). Only rows in `lockedKeys` may be updated: the caller read
 * them under lock first, so it knows what each update replaces; a row that appeared since (a concurrent
 * insert of the same key) is left alone and classified like any loser. A key in the target's tombstones
 * is never inserted again. Returns the keys written. Keys must be unique within `rows` (ON CONFLICT
 * cannot touch one row twice in a statement).
 */
export function buildUpsert(
  target: PgTarget,
  rows: readonly CanonicalRow[],
  writerOwnsEntity: boolean,
  lockedKeys: readonly string[],
): PgQuery {
  const { entity } = target;
  const columns = entity.columns;
  const values: unknown[] = columns.map((c) => rows.map((r) => r[c.name] ?? null));
  values.push(writerOwnsEntity, lockedKeys);
  const ownerParam = `$${values.length - 1}`;
  const lockedParam = `$${values.length}`;
  const unnestArgs = columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const aliases = columns.map((_, i) => `c${i}`).join(', ');
  const selectList = columns.map((c, i) => writeExpr(c.kind, `u.c${i}`, target.timestamptz)).join(', ');
  const names = columns.map((c) => target.columnName(c));
  const key = target.columnName(entity.key);
  const version = versionName(target);
  const updates = columns
    .filter((c) => c !== entity.key)
    .map((c) => `${target.columnName(c)} = EXCLUDED.${target.columnName(c)}`)
    .join(', ');
  let notDeleted = '';
  if (target.tombstones !== undefined) {
    values.push(entity.legacyTable);
    const keyRef = `u.c${columns.indexOf(entity.key)}`;
    notDeleted =
      ` WHERE NOT EXISTS (SELECT 1 FROM ${target.tombstones} AS d ` +
      `WHERE d."TableName" = $${values.length} AND d."EntityKey" = lower(${keyRef}))`;
  }
  const text =
    `INSERT INTO ${target.table} AS t (${names.join(', ')}) ` +
    `SELECT ${selectList} FROM unnest(${unnestArgs}) AS u(${aliases})${notDeleted} ` +
    `ON CONFLICT (${key}) DO UPDATE SET ${updates} ` +
    `WHERE (t.${version} < EXCLUDED.${version} OR (${ownerParam}::boolean AND t.${version} = EXCLUDED.${version})) ` +
    `AND t.${key} = ANY(${lockedParam}::uuid[]) ` +
    `RETURNING lower(t.${key}::text) AS key`;
  return { text, values };
}

/**
 * Deletes rows whose version is not newer than the deleted row's version (the delete saw that version),
 * or, with `whateverVersion`, every row at these keys. Returns the keys deleted.
 */
export function buildDelete(
  target: PgTarget,
  items: readonly { key: string; version: string }[],
  whateverVersion = false,
): PgQuery {
  const key = target.columnName(target.entity.key);
  const version = versionName(target);
  const guard = whateverVersion ? '' : ` AND t.${version} <= d.v`;
  return {
    text:
      `DELETE FROM ${target.table} AS t USING unnest($1::uuid[], $2::bigint[]) AS d(k, v) ` +
      `WHERE t.${key} = d.k${guard} RETURNING lower(t.${key}::text) AS key`,
    values: [items.map((i) => i.key), items.map((i) => i.version)],
  };
}

export function buildSelectByKeys(target: PgTarget, keys: readonly string[], forUpdate = false): PgQuery {
  const key = target.columnName(target.entity.key);
  return {
    text:
      `SELECT ${canonicalSelectList(target)} FROM ${target.table} AS t WHERE t.${key} = ANY($1::uuid[])` +
      // In key order, so two writers locking overlapping keys cannot deadlock each other.
      (forUpdate ? ` ORDER BY t.${key} FOR UPDATE` : ''),
    values: [keys],
  };
}

/**
 * One keyset page in key order (reconciliation, backfill), optionally below `beforeKey`. Without
 * `afterKey` the page starts at the first key, the all-zero GUID included.
 */
export function buildScan(
  target: PgTarget,
  afterKey: string | null,
  limit: number,
  beforeKey: string | null = null,
): PgQuery {
  const key = target.columnName(target.entity.key);
  const values: unknown[] = [];
  const bounds: string[] = [];
  if (afterKey !== null) bounds.push(`t.${key} > $${values.push(afterKey)}::uuid`);
  if (beforeKey !== null) bounds.push(`t.${key} < $${values.push(beforeKey)}::uuid`);
  const where = bounds.length === 0 ? '' : `WHERE ${bounds.join(' AND ')} `;
  return {
    text: `SELECT ${canonicalSelectList(target)} FROM ${target.table} AS t ${where}ORDER BY t.${key} LIMIT $${values.push(limit)}`,
    values,
  };
}

/** Every row with `from <= key < to` (to null: no upper bound): one reconciliation bucket. */
export function buildRange(target: PgTarget, from: string, to: string | null): PgQuery {
  const key = target.columnName(target.entity.key);
  return to === null
    ? {
        text: `SELECT ${canonicalSelectList(target)} FROM ${target.table} AS t WHERE t.${key} >= $1::uuid`,
        values: [from],
      }
    : {
        text: `SELECT ${canonicalSelectList(target)} FROM ${target.table} AS t WHERE t.${key} >= $1::uuid AND t.${key} < $2::uuid`,
        values: [from, to],
      };
}
