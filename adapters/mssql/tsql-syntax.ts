import NodeSqlParser from 'node-sql-parser/build/transactsql.js';

/*
 * A T-SQL syntax check for tests (node-sql-parser is a devDependency: never import this from product
 * code). The parser covers the common DML and DDL; it cannot parse some valid T-SQL (REFERENCES clauses,
 * CHANGE_TRACKING options, OFFSET/FETCH with parameters, MERGE, named inline DEFAULT constraints).
 * Tests list such statements explicitly and keep them covered by snapshots only.
 */

const parser = new NodeSqlParser.Parser();

export class TsqlSyntaxError extends Error {
  readonly sql: string;
  constructor(sql: string, cause: unknown) {
    super(`not parseable as T-SQL: ${cause instanceof Error ? cause.message : String(cause)}\n${sql}`, {
      cause,
    });
    this.name = 'TsqlSyntaxError';
    this.sql = sql;
  }
}

export function assertTsqlSyntax(sql: string): void {
  try {
    parser.astify(sql, { database: 'transactsql' });
  } catch (error: unknown) {
    throw new TsqlSyntaxError(sql, error);
  }
}

export function isParseableTsql(sql: string): boolean {
  try {
    assertTsqlSyntax(sql);
    return true;
  } catch (error: unknown) {
    if (error instanceof TsqlSyntaxError) return false;
    throw error;
  }
}
