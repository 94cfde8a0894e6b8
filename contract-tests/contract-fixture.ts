import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * A recorded legacy interaction: the request a client sent and what the legacy answered, one readable
 * JSON file per scenario under contract-tests/fixtures/<route-id>/<name>.json. Number literals are kept
 * as the legacy wrote them (`3.0` stays `3.0`), because the literal is part of the contract.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Response headers that are part of the contract; the rest (Date, Server, Content-Length) are not. */
export const RECORDED_RESPONSE_HEADERS = [
  'content-type',
  'location',
  'x-total-count',
  'allow',
  'www-authenticate',
] as const;

/**
 * Who sends a request, described rather than kept as a token (a token expires, and a fixture must not
 * hold a credential): the recorder and the replays mint the Authorization from it with a test issuer of
 * their own (contract-tests/contract-callers.ts).
 */
export interface FixtureCaller {
  /** The organisation the token names: the contract data's owner. */
  readonly organisation: 'contract';
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** What is wrong with the token the caller presents; absent when nothing is. */
  readonly token?: SpoiledToken;
}

/**
 * No Authorization at all; a bearer value that is not a JWT; a token that expired at a fixed past
 * instant (so the challenge's text never changes); a token for another API.
 */
export type SpoiledToken = 'none' | 'malformed' | 'expired' | 'wrong-audience';

export interface FixtureRequest {
  readonly method: string;
  /** Path and query string as sent. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON body, sent as its JSON text. */
  readonly body?: unknown;
  /** A body sent verbatim (malformed JSON, text/plain). */
  readonly rawBody?: string;
  /** A body sent verbatim that is not UTF-8 text, as base64. */
  readonly rawBodyBase64?: string;
  /** Who sends it; absent in fixtures made without one (exported shadow samples), replayed as CONTRACT_CALLER. */
  readonly caller?: FixtureCaller;
}

export interface FixtureResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body; absent when the response had no body. */
  readonly body?: unknown;
  /** A body that is not JSON, as text. */
  readonly rawBody?: string;
}

/** A member that legitimately differs in this one step, and why. */
export interface StepIgnore {
  readonly path: string;
  readonly because: string;
}

export interface ScenarioStep {
  readonly request: FixtureRequest;
  readonly ignore?: readonly StepIgnore[];
}

export interface ContractScenario {
  /** The route the scenario exercises (its first step's route). */
  readonly route: string;
  readonly name: string;
  readonly description: string;
  readonly steps: readonly ScenarioStep[];
}

export interface FixtureStep extends ScenarioStep {
  readonly response: FixtureResponse;
}

export interface ContractFixture extends Omit<ContractScenario, 'steps'> {
  readonly steps: readonly FixtureStep[];
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** JSON.parse that keeps every number's literal text, so re-serialising writes it unchanged. */
export function parseKeepingNumbers(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined ? rawJson(context.source) : value,
  );
}

export function fixturePath(route: string, name: string): string {
  return path.join(FIXTURES_DIR, route, `${name}.json`);
}

export function writeFixture(fixture: ContractFixture): string {
  const file = fixturePath(fixture.route, fixture.name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
  return file;
}

export function loadFixtures(): ContractFixture[] {
  const fixtures: ContractFixture[] = [];
  for (const route of readdirSync(FIXTURES_DIR, { withFileTypes: true })) {
    if (!route.isDirectory()) continue;
    for (const file of readdirSync(path.join(FIXTURES_DIR, route.name)).sort()) {
      if (!file.endsWith('.json')) continue;
      const text = readFileSync(path.join(FIXTURES_DIR, route.name, file), 'utf8');
      fixtures.push(parseFixture(text));
    }
  }
  return fixtures.sort((a, b) => `${a.route}/${a.name}`.localeCompare(`${b.route}/${b.name}`));
}

/**
 * Request and response bodies keep their number literals (sent and compared byte for byte); the
 * envelope (status codes) is read as plain JSON.
 */
export function parseFixture(text: string): ContractFixture {
  const plain = JSON.parse(text) as ContractFixture;
  const literal = parseKeepingNumbers(text) as ContractFixture;
  return {
    ...plain,
    steps: plain.steps.map((step, i) => {
      const kept = literal.steps[i] as FixtureStep;
      return {
        ...step,
        request: { ...step.request, ...(step.request.body === undefined ? {} : { body: kept.request.body }) },
        response: {
          ...step.response,
          ...(step.response.body === undefined ? {} : { body: kept.response.body }),
        },
      };
    }),
  };
}

/** The bytes a fixture request sends. */
export function requestBodyOf(request: FixtureRequest): Buffer {
  if (request.rawBody !== undefined) return Buffer.from(request.rawBody, 'utf8');
  if (request.rawBodyBase64 !== undefined) return Buffer.from(request.rawBodyBase64, 'base64');
  if (request.body !== undefined) return Buffer.from(JSON.stringify(request.body), 'utf8');
  return Buffer.alloc(0);
}

/** The recorded response body as compact JSON text (literals as recorded), or the raw text. */
export function responseBodyOf(response: FixtureResponse): Buffer {
  if (response.rawBody !== undefined) return Buffer.from(response.rawBody, 'utf8');
  if (response.body !== undefined) return Buffer.from(JSON.stringify(response.body), 'utf8');
  return Buffer.alloc(0);
}
