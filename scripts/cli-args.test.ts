import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { describe, expect, it } from '@jest/globals';

import { integerOption, parseCliOptions, parsedOption, wantsHelp } from './cli-args.ts';

const USAGE = 'usage: npm run example -- [--count n]';

async function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('command-line options of the operator scripts', () => {
  it('parses known options and reports an unknown one with the usage', () => {
    expect(parseCliOptions(['--count', '3'], { count: { type: 'string' } }, USAGE)).toEqual({ count: '3' });
    expect(() => parseCliOptions(['--cuont', '3'], { count: { type: 'string' } }, USAGE)).toThrow(
      /Unknown option '--cuont'[^]*\nusage: npm run example -- \[--count n\]$/,
    );
    expect(() => parseCliOptions(['stray'], { count: { type: 'string' } }, USAGE)).toThrow(/stray/);
  });

  it('recognises --help and -h anywhere', () => {
    expect(wantsHelp(['--route', 'x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--helpful'])).toBe(false);
  });

  it('collects every bad value as a problem instead of failing on the first', () => {
    const problems: string[] = [];
    expect(integerOption(problems, '--chunk', '500', 1, 1000)).toBe(500);
    expect(integerOption(problems, '--chunk', 'x', 1, 1000)).toBeNaN();
    expect(integerOption(problems, '--chunk', '0', 1, 1000)).toBeNaN();
    expect(integerOption(problems, '--chunk', '1.5', 1, 1000)).toBeNaN();
    expect(integerOption(problems, '--chunk', '', 1, 1000)).toBeNaN();
    expect(
      parsedOption(problems, () => {
        throw new Error('unknown sync entity "nope"');
      }),
    ).toBeUndefined();
    expect(parsedOption(problems, () => 7)).toBe(7);
    expect(problems).toEqual([
      '--chunk must be an integer from 1 to 1000 (got "x")',
      '--chunk must be an integer from 1 to 1000 (got "0")',
      '--chunk must be an integer from 1 to 1000 (got "1.5")',
      '--chunk must be an integer from 1 to 1000 (got "")',
      'unknown sync entity "nope"',
    ]);
  });

  it('a script prints its usage on --help (exit 0) and every problem with it on bad input (exit 2)', async () => {
    const help = await runScript('scripts/reconcile.ts', ['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: \[DATABASE_URL=… LEGACY_DATABASE_URL=…\] npm run reconcile -- /);

    // No URLs and no demo in DATA_DIR: both said, each in one sentence.
    const noDemo = { DATA_DIR: '/nonexistent/strangler-data' };
    const bad = await runScript('scripts/reconcile.ts', ['--chunk', 'many', '--entity', 'nope'], noDemo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'DATABASE_URL is not set and there is no demo database in /nonexistent/strangler-data/postgres (run npm start once)\n' +
        'LEGACY_DATABASE_URL is not set and there is no demo database in /nonexistent/strangler-data/postgres (run npm start once)\n',
    );
    expect(bad.stderr).toContain('--chunk must be an integer from 1 to 1000000 (got "many")\n');
    expect(bad.stderr).toContain('unknown sync entity "nope"');
    expect(bad.stderr).toContain('\nusage: ');
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const unknown = await runScript('scripts/backfill.ts', ['--rows-per-sec', '5'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown option '--rows-per-sec'[^]*\nusage: [^]*npm run backfill -- /);
  });
});
