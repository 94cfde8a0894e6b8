/**
 * Record once, replay forever: turns a route's stored shadow samples into contract-test
 * fixtures in the format of contract-tests/contract-fixture.ts (one JSON file per sample under
 * contract-tests/fixtures/<route-id>/), with legacy's response as the expected answer.
 *
 * Usage: USAGE below (`npm run export-shadow-fixtures -- --help`).
 *
 * Samples were redacted before they were stored: credentials in headers stay `[REDACTED]`, masked
 * values in legacy's response become ignores, and samples whose request carries masked personal data
 * (it would fail validation that the recorded one passed), or whose request or response body was not
 * kept, are left out with the reason printed.
 * Bodies were parsed to be redacted, so number literals are normalised (`3.0` is written as `3`);
 * member order is kept (samples are stored as json, not jsonb).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type {
  ContractFixture,
  FixtureRequest,
  FixtureResponse,
  StepIgnore,
} from '../contract-tests/contract-fixture.ts';
import { FIXTURES_DIR, RECORDED_RESPONSE_HEADERS } from '../contract-tests/contract-fixture.ts';
import { databaseUrlSetting } from './demo/demo-database-urls.ts';
import { cliOptions } from './cli-args.ts';
import {
  collapseFormattedPath,
  formatCollapsedPath,
  type PathSegment,
} from '../src/shadow/compare/json-path.ts';
import { REDACTED, type StoredRequest, type StoredResponse } from '../src/shadow/redact.ts';
import { createPostgresShadowStore } from '../src/shadow/store/postgres-shadow-store.ts';
import type { ExportedSample } from '../src/shadow/store/shadow-store.ts';

// Headers that describe one connection or message, not the request a fixture replays.
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);

function flatHeaders(
  headers: Readonly<Record<string, string | readonly string[]>>,
  keep: (name: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) {
    const value = headers[name];
    if (value === undefined || !keep(name)) continue;
    out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}

function fixtureRequest(request: StoredRequest): FixtureRequest | undefined {
  const base = {
    method: request.method,
    path: request.query === '' ? request.path : `${request.path}?${request.query}`,
    headers: flatHeaders(request.headers, (name) => !NOT_REPLAYED.has(name)),
  };
  switch (request.bodyKind) {
    case 'empty':
      return base;
    case 'json':
      return { ...base, body: request.body };
    case 'text':
      return { ...base, rawBody: String(request.body) };
    default:
      return undefined;
  }
}

function fixtureResponse(response: StoredResponse): FixtureResponse {
  const recorded = new Set<string>(RECORDED_RESPONSE_HEADERS);
  const base = {
    status: response.status,
    headers: flatHeaders(response.headers, (name) => recorded.has(name)),
  };
  switch (response.bodyKind) {
    case 'json':
      return { ...base, body: response.body };
    case 'text':
      return { ...base, rawBody: String(response.body) };
    default:
      // Empty; an omitted body never gets here (unreplayable).
      return base;
  }
}

/** Why a stored sample cannot become a fixture that replays faithfully; undefined when it can. */
export function unreplayable(sample: ExportedSample): string | undefined {
  const { request, legacy } = sample;
  if (fixtureRequest(request) === undefined) return 'its request body was not kept';
  if (
    request.path.includes(REDACTED) ||
    request.path.includes(encodeURIComponent(REDACTED)) ||
    request.query.includes(encodeURIComponent(REDACTED)) ||
    (request.bodyKind === 'json' && maskedPaths(request.body).length > 0)
  ) {
    // Sent again, `"Email": "[REDACTED]"` fails validation that the recorded request passed.
    return 'its request carries masked personal data';
  }
  if (legacy.bodyKind === 'omitted') return "legacy's response body was not kept";
  return undefined;
}

/** JSON paths (array positions as [*]) of the values masked before storage. */
function maskedPaths(value: unknown, at: PathSegment[] = [], found: string[] = []): string[] {
  if (value === REDACTED) found.push(formatCollapsedPath(at));
  else if (Array.isArray(value)) value.forEach((item, i) => maskedPaths(item, [...at, i], found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) maskedPaths(child, [...at, key], found);
  }
  return found;
}

/**
 * One fixture per replayable sample (see `unreplayable`); the sample's learned-noise fields, and the
 * response values masked before storage, become the step's ignores.
 */
export function samplesToFixtures(
  samples: readonly ExportedSample[],
  onSkip: (sample: ExportedSample, reason: string) => void = () => undefined,
): ContractFixture[] {
  const fixtures: ContractFixture[] = [];
  for (const sample of samples) {
    const skip = unreplayable(sample);
    const request = fixtureRequest(sample.request);
    if (skip !== undefined || request === undefined) {
      onSkip(sample, skip ?? 'its request body was not kept');
      continue;
    }
    const noise = [...new Set(sample.noise.map((d) => collapseFormattedPath(d.path)))]
      .filter((p) => p.startsWith('$'))
      .map((p) => ({
        path: p,
        because: 'learned as noise by shadow comparison: legacy differs from itself here',
      }));
    const masked = [...new Set(sample.legacy.bodyKind === 'json' ? maskedPaths(sample.legacy.body) : [])]
      .filter((p) => !noise.some((n) => n.path === p))
      .map((p) => ({
        path: p,
        because: 'masked before storage (personal data): the recorded value is not known',
      }));
    const ignore: StepIgnore[] = [...noise, ...masked].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
    const stamp = sample.capturedAt
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const differing = [
      ...new Set(sample.diffs.map((d) => `${d.kind} ${collapseFormattedPath(d.path)}`)),
    ].join(', ');
    fixtures.push({
      route: sample.routeId,
      name: `shadow-${stamp}-${sample.id.slice(0, 8)}`,
      description:
        `recorded by shadow comparison at ${sample.capturedAt.toISOString()}; diff group ` +
        `${sample.fingerprint.slice(0, 12)} (${sample.groupStatus}): ${differing}`,
      steps: [
        { request, response: fixtureResponse(sample.legacy), ...(ignore.length > 0 ? { ignore } : {}) },
      ],
    });
  }
  return fixtures;
}

const USAGE = `usage: [DATABASE_URL=postgres://…] npm run export-shadow-fixtures -- --route <route-id>
    [--limit 20] [--status open|accepted|defect] [--out <dir>] [--dry-run]
  Writes up to --limit stored samples of the route (of diff groups with --status, default any) as
  contract fixtures under --out/<route-id>/ (default contract-tests/fixtures); --dry-run only lists them.
  Without DATABASE_URL: the running demo's database (DATA_DIR, default ./data).`;

async function main(): Promise<void> {
  const values = cliOptions(
    {
      route: { type: 'string' },
      limit: { type: 'string', default: '20' },
      status: { type: 'string' },
      out: { type: 'string', default: FIXTURES_DIR },
      'dry-run': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const problems: string[] = [];
  if (values.route === undefined) problems.push('--route <route-id> is required');
  const url = databaseUrlSetting(problems, process.env, 'new');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) problems.push('--limit must be a positive integer');
  if (values.status !== undefined && !['open', 'accepted', 'defect'].includes(values.status)) {
    problems.push('--status must be open, accepted or defect');
  }
  if (problems.length > 0 || values.route === undefined) {
    console.error(`${problems.join('\n')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
  try {
    const samples = await createPostgresShadowStore(db).exportSamples(values.route, {
      limit,
      ...(values.status === undefined ? {} : { status: values.status }),
    });
    const fixtures = samplesToFixtures(samples, (sample, reason) =>
      console.log(`skipped sample ${sample.id}: ${reason}`),
    );
    for (const fixture of fixtures) {
      const file = path.join(values.out, fixture.route, `${fixture.name}.json`);
      if (!values['dry-run']) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
      }
      console.log(`${values['dry-run'] ? 'would write' : 'wrote'} ${file}`);
    }
    console.log(`${fixtures.length} fixture(s) from ${samples.length} sample(s) of route ${values.route}`);
  } finally {
    await db.destroy();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
