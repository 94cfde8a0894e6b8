import { describe, expect, it } from '@jest/globals';

import { up } from './migrations/legacy-0001-entities.ts';

/*
 * The SQL Server schema comes from the ASP.NET app's EF Core model (legacy-0001-entities.sql). This pins
 * what it declares to what the .NET application's tables have always been — the hand-written DDL it
 * replaced — table by table: columns (type, collation, nullability, default), keys, uniqueness,
 * indexes and checks. EF declares uniqueness as a unique index where the old DDL had a UNIQUE
 * constraint; SQL Server enforces both with a unique index, so they are one thing here.
 */

interface Table {
  columns: string[];
  primaryKey: string;
  foreignKeys: string[];
  checks: string[];
  unique: string[];
  indexes: string[];
}

function describeSchema(statements: readonly string[]): Record<string, Table> {
  const tables: Record<string, Table> = {};
  const bare = (s: string): string => s.replace(/[[\]]/g, '');
  for (const statement of statements.map(bare)) {
    const create = /^CREATE TABLE dbo\.(\w+) \(\n([\s\S]*)\n\);?$/.exec(statement);
    if (create !== null) {
      const table: Table = {
        columns: [],
        primaryKey: '',
        foreignKeys: [],
        checks: [],
        unique: [],
        indexes: [],
      };
      for (const raw of (create[2] ?? '').split('\n')) {
        const line = raw.trim().replace(/,$/, '');
        const pk = /^CONSTRAINT (\w+) PRIMARY KEY \((.+)\)$/.exec(line);
        const fk = /^CONSTRAINT (\w+) FOREIGN KEY \((.+)\) REFERENCES dbo\.(\w+) \((.+)\)$/.exec(line);
        const check = /^CONSTRAINT (\w+) CHECK \((.+)\)$/.exec(line);
        if (pk !== null) table.primaryKey = `${pk[1]} (${pk[2]})`;
        else if (fk !== null) table.foreignKeys.push(`${fk[1]} (${fk[2]}) → ${fk[3]} (${fk[4]})`);
        else if (check !== null) table.checks.push(`${check[1]}: ${check[2]}`);
        else table.columns.push(line.replace(/DEFAULT \((.*)\)$/, 'DEFAULT $1'));
      }
      tables[create[1] as string] = table;
      continue;
    }
    const index = /^CREATE (UNIQUE )?INDEX (\w+) ON dbo\.(\w+) \((.+)\);?$/.exec(statement);
    if (index === null) throw new Error(`unexpected statement: ${statement}`);
    const target = tables[index[3] as string];
    if (target === undefined) throw new Error(`index on an unknown table: ${statement}`);
    (index[1] === undefined ? target.indexes : target.unique).push(`${index[2]} (${index[4]})`);
  }
  return tables;
}

const CI = 'COLLATE SQL_Latin1_General_CP1_CI_AS';
const NOW = 'NOT NULL DEFAULT SYSUTCDATETIME()';

describe('the SQL Server legacy schema generated from the EF Core model', () => {
  const schema = describeSchema(up);

  it('has the four legacy tables, nothing else', () => {
    expect(Object.keys(schema).sort()).toEqual(['Athletes', 'Organisations', 'Squads', 'WellnessEntries']);
  });

  it('declares Organisations, which own the squads', () => {
    expect(schema.Organisations).toEqual({
      columns: [
        'OrganisationId uniqueidentifier NOT NULL',
        `Name nvarchar(100) ${CI} NOT NULL`,
        `CreatedAt datetime2(7) ${NOW}`,
        'Version bigint NOT NULL DEFAULT 1',
      ],
      primaryKey: 'PK_Organisations (OrganisationId)',
      foreignKeys: [],
      checks: [],
      unique: [],
      indexes: [],
    });
  });

  it('declares Squads as the application always had it, each in its organisation', () => {
    expect(schema.Squads).toEqual({
      columns: [
        'SquadId uniqueidentifier NOT NULL',
        'OrganisationId uniqueidentifier NOT NULL',
        `Name nvarchar(100) ${CI} NOT NULL`,
        `Sport nvarchar(50) ${CI} NOT NULL`,
        `CreatedAt datetime2(7) ${NOW}`,
        'Version bigint NOT NULL DEFAULT 1',
      ],
      primaryKey: 'PK_Squads (SquadId)',
      foreignKeys: ['FK_Squads_Organisations (OrganisationId) → Organisations (OrganisationId)'],
      checks: [],
      unique: [],
      indexes: ['IX_Squads_OrganisationId (OrganisationId)'],
    });
  });

  it('declares Athletes with its case-insensitive unique e-mail and its squad index', () => {
    expect(schema.Athletes).toEqual({
      columns: [
        'AthleteId uniqueidentifier NOT NULL',
        'SquadId uniqueidentifier NOT NULL',
        `FirstName nvarchar(100) ${CI} NOT NULL`,
        `LastName nvarchar(100) ${CI} NOT NULL`,
        `Email nvarchar(256) ${CI} NOT NULL`,
        'DateOfBirth date NOT NULL',
        `Position nvarchar(50) ${CI} NULL`,
        'IsActive bit NOT NULL DEFAULT 1',
        `CreatedAt datetime2(7) ${NOW}`,
        `UpdatedAt datetime2(7) ${NOW}`,
        'Version bigint NOT NULL DEFAULT 1',
      ],
      primaryKey: 'PK_Athletes (AthleteId)',
      foreignKeys: ['FK_Athletes_Squads (SquadId) → Squads (SquadId)'],
      checks: [],
      unique: ['UX_Athletes_Email (Email)'],
      indexes: ['IX_Athletes_SquadId (SquadId)'],
    });
  });

  it('declares WellnessEntries with one entry per athlete and day and answers from 1 to 5', () => {
    const answers = ['Sleep', 'Soreness', 'Fatigue', 'Stress', 'Mood'];
    expect(schema.WellnessEntries).toEqual({
      columns: [
        'WellnessEntryId uniqueidentifier NOT NULL',
        'AthleteId uniqueidentifier NOT NULL',
        'EntryDate date NOT NULL',
        ...answers.map((a) => `${a} tinyint NOT NULL`),
        'Score decimal(3,1) NOT NULL',
        `Notes nvarchar(500) ${CI} NULL`,
        `CreatedAt datetime2(7) ${NOW}`,
        'Version bigint NOT NULL DEFAULT 1',
      ],
      primaryKey: 'PK_WellnessEntries (WellnessEntryId)',
      foreignKeys: ['FK_WellnessEntries_Athletes (AthleteId) → Athletes (AthleteId)'],
      checks: [...answers].sort().map((a) => `CK_WellnessEntries_${a}: ${a} BETWEEN 1 AND 5`),
      unique: ['UQ_WellnessEntries_AthleteId_EntryDate (AthleteId, EntryDate)'],
      indexes: [],
    });
  });
});
