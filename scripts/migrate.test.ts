import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDatabase } from '../src/testing/test-database.ts';
import type { TestDatabase } from '../src/testing/test-database.ts';
import { runMigrateCli } from './migrate.ts';

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runMigrateCli(args, env, (line) => lines.push(line));
  return { code, lines };
}

describe('scripts/migrate.ts', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('strangler_migrate_cli');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('runs new up, status, down, up against DATABASE_URL', async () => {
    const env = { DATABASE_URL: database.url };
    const pending = [
      'pending  0001-entities',
      'pending  0002-tenant-isolation',
      'pending  0003-email-collation',
    ];
    const up = [
      'Success  up   0001-entities',
      'Success  up   0002-tenant-isolation',
      'Success  up   0003-email-collation',
    ];
    expect(await run(['new', 'status'], env)).toEqual({ code: 0, lines: pending });
    expect(await run(['new', 'up'], env)).toEqual({ code: 0, lines: up });
    expect(await run(['new', 'up'], env)).toEqual({ code: 0, lines: ['already up to date'] });
    const status = await run(['new', 'status'], env);
    expect(status.lines[0]).toMatch(/^applied {2}0001-entities {2}\d{4}-\d{2}-\d{2}T/);
    expect(status.lines[1]).toMatch(/^applied {2}0002-tenant-isolation {2}\d{4}-\d{2}-\d{2}T/);
    expect(await run(['new', 'down'], env)).toEqual({
      code: 0,
      lines: [
        'Success  down 0003-email-collation',
        'Success  down 0002-tenant-isolation',
        'Success  down 0001-entities',
      ],
    });
    expect(await run(['new', 'up'], env)).toEqual({ code: 0, lines: up });
  });

  it('migrates the legacy stand-in from LEGACY_DATABASE_URL into the same database without clashing', async () => {
    const env = { LEGACY_DATABASE_URL: database.url };
    expect(await run(['legacy', 'up'], env)).toEqual({
      code: 0,
      lines: ['Success  up   0001-entities', 'Success  up   0003-email-collation'],
    });
    expect(await run(['legacy', 'down'], env)).toEqual({
      code: 0,
      lines: ['Success  down 0003-email-collation', 'Success  down 0001-entities'],
    });
  });

  it('explains wrong usage and a missing URL with exit code 2, and --help with 0', async () => {
    const wrong = await run(['new', 'sideways'], {});
    expect(wrong.code).toBe(2);
    expect(wrong.lines.join('\n')).toMatch(/^usage: npm run migrate -- <new\|legacy> <up\|down\|status>\n/);
    expect(await run(['--help'], {})).toEqual({ code: 0, lines: wrong.lines });
    expect(await run(['legacy', 'up'], { DATA_DIR: '/nonexistent/strangler-data' })).toEqual({
      code: 2,
      lines: [
        'LEGACY_DATABASE_URL is not set and there is no demo database in /nonexistent/strangler-data/postgres (run npm start once)',
      ],
    });
  });

  it('exits 1 with the reason, and no password, when the database cannot be reached', async () => {
    const { code, lines } = await run(['new', 'up'], {
      DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/none',
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(
      /new up failed on postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
    );
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('works as a command line (node scripts/migrate.ts)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/migrate.ts', 'new', 'status'], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    expect(stdout).toMatch(/^applied {2}0001-entities.*\napplied {2}0002-tenant-isolation/);
  });
});
