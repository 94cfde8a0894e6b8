import sql from 'mssql';

import type { MssqlParam, MssqlParamType } from './sync-session.ts';

/*
 * Every value goes to SQL Server as a request input with an explicit type: left to infer, a Date would
 * become `datetime` (1/300 s rounding, which silently changes a datetime2 it is compared with or written
 * to).
 */

/** One input of an mssql Request: its name without the @, its SQL type and its value. */
export interface MssqlInput {
  readonly name: string;
  readonly type: sql.ISqlType;
  readonly value: unknown;
}

const SQL_TYPES: Record<MssqlParamType, (param: MssqlParam) => sql.ISqlType> = {
  UniqueIdentifier: () => sql.UniqueIdentifier(),
  NVarChar: (p) => sql.NVarChar(p.length),
  VarChar: (p) => sql.VarChar(p.length),
  DateTime2: (p) => sql.DateTime2(p.scale),
  Date: () => sql.Date(),
  Bit: () => sql.Bit(),
  TinyInt: () => sql.TinyInt(),
  Int: () => sql.Int(),
  BigInt: () => sql.BigInt(),
};

/** The sync's statements (sync-session.ts) carry the exact type the builder chose for each parameter. */
export function statementInputs(params: readonly MssqlParam[]): MssqlInput[] {
  return params.map((p) => ({ name: p.name, type: SQL_TYPES[p.type](p), value: p.value }));
}

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/**
 * The type for a value of a kysely-compiled query, by the rules kysely's own SQL Server driver uses, but
 * a Date as datetime2(7).
 */
export function inferredType(value: unknown): sql.ISqlType {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)))
    return value < INT_MIN || value > INT_MAX ? sql.BigInt() : sql.Int();
  if (typeof value === 'number') return sql.Float();
  if (typeof value === 'boolean') return sql.Bit();
  if (value instanceof Date) return sql.DateTime2(7);
  if (Buffer.isBuffer(value)) return sql.VarBinary();
  return sql.NVarChar();
}

/** kysely numbers its placeholders @1, @2, … in the order of `parameters`. */
export function compiledQueryInputs(parameters: readonly unknown[]): MssqlInput[] {
  return parameters.map((value, i) => ({ name: String(i + 1), type: inferredType(value), value }));
}
