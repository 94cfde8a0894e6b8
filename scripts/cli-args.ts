/**
 * Command-line options for the operator scripts: node's parseArgs, plus `--help` / `-h` (the usage on
 * standard output, exit code 0) and a mistyped or unknown option reported as one line with the usage
 * (exit code 2) instead of a stack trace.
 */
import os from 'node:os';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

import {
  parseOwnership,
  SYNC_ENTITIES,
  syncEntity,
  type SyncEntity,
  type SyncOwnership,
} from '../src/sync/sync-entities.ts';

interface Config<T extends ParseArgsOptionsConfig> {
  args: string[];
  options: T;
  strict: true;
  allowPositionals: false;
}

export type CliValues<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<Config<T>>>['values'];

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** The parsed options, or throws an Error whose message is the problem followed by the usage. */
export function parseCliOptions<const T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: T,
  usage: string,
): CliValues<T> {
  try {
    return parseArgs<Config<T>>({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error: unknown) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${usage}`, { cause: error });
  }
}

/**
 * For a script's top level: prints the usage and exits 0 on `--help`, prints the problem and the usage
 * and exits 2 on a bad option, and otherwise returns the parsed options.
 */
export function cliOptions<const T extends ParseArgsOptionsConfig>(
  options: T,
  usage: string,
  argv: readonly string[] = process.argv.slice(2),
): CliValues<T> {
  return parsedOrExit(usage, argv, () => parseCliOptions(argv, options, usage));
}

/**
 * For a script whose parsing is a function of its own (tested apart): the usage and exit code 0 on
 * `--help`; the function's error (every problem, with the usage) and exit code 2 when it throws.
 */
export function parsedOrExit<R>(usage: string, argv: readonly string[], parse: () => R): R {
  if (wantsHelp(argv)) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parse();
  } catch (error: unknown) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}

/**
 * Reads a script's settings with every problem collected (like the configuration check at startup):
 * when there is any, prints them all with the usage and exits 2; otherwise returns what `read` built.
 */
export function settingsOrExit<R>(usage: string, read: (problems: string[]) => R): R {
  const problems: string[] = [];
  const settings = read(problems);
  if (problems.length === 0) return settings;
  console.error(`${problems.join('\n')}\n${usage}`);
  process.exit(2);
}

/** An integer option's value within [min, max] (a problem otherwise; NaN is returned then). */
export function integerOption(
  problems: string[],
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw ?? ''}")`);
    return Number.NaN;
  }
  return n;
}

/** What `parse` returns, or its error's message as a problem (undefined is returned then). */
export function parsedOption<R>(problems: string[], parse: () => R): R | undefined {
  try {
    return parse();
  } catch (error: unknown) {
    problems.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/**
 * The sync entities a script works on (`--entity`, repeatable; default all) and who owns each
 * (`--ownership`, default SYNC_OWNERSHIP, else legacy), as reconcile and backfill take them.
 */
export function syncScopeSettings(
  problems: string[],
  values: { readonly entity?: readonly string[] | undefined; readonly ownership?: string | undefined },
): { entities: readonly SyncEntity[]; ownership: SyncOwnership } {
  const entities = parsedOption(problems, () =>
    values.entity === undefined ? SYNC_ENTITIES : values.entity.map(syncEntity),
  );
  const ownership = parsedOption(problems, () =>
    parseOwnership(values.ownership ?? process.env.SYNC_OWNERSHIP),
  );
  // Undefined only with a problem recorded, after which settingsOrExit exits.
  return { entities: entities ?? [], ownership: ownership ?? parseOwnership(undefined) };
}

/** Who a run is recorded for unless `--actor` names someone: the user at this host. */
export const DEFAULT_ACTOR = `${userName()}@${os.hostname()}`;

/** A container's user is often a bare uid with no passwd entry, where os.userInfo() throws. */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ERR_SYSTEM_ERROR') {
      return `uid-${process.getuid?.() ?? 'unknown'}`;
    }
    throw error;
  }
}
