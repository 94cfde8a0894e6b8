import { describe, expect, it } from '@jest/globals';

import type { RouteRecord } from '../../routing/route.ts';
import type { CapturedRequest, CapturedResponse } from '../captured-exchange.ts';
import type { Difference } from '../compare/compare-exchanges.ts';
import { compileCompareRules } from '../compare/compare-rules.ts';
import { fingerprintOf } from '../compare/fingerprint.ts';
import type { NoiseModel } from '../noise/noise-model.ts';
import { createRedactor, REDACTED } from '../redact.ts';
import type { ShadowResult } from '../store/result-buffer.ts';
import { createClassify, type ClassifyDeps } from './classify.ts';
import type { RecordResult } from './record.ts';

const route = { id: 'athletes-get', redactPathParams: [] } as unknown as RouteRecord;
const rules = compileCompareRules({ redactPaths: ['$..Email'] });
const request: CapturedRequest = {
  method: 'GET',
  path: '/api/athletes/7',
  query: '',
  headers: {},
  body: Buffer.alloc(0),
  requestId: 'req-1',
};
const json = (value: unknown): CapturedResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(value)),
});
const legacy = json({ Name: 'Ada', Email: 'ada@example.com', ServerTime: 1 });
const candidate = json({ Name: 'Ada L.', Email: 'ada@example.com', ServerTime: 2 });
const nameChanged: Difference = { path: '$.Name', kind: 'changed', legacy: 'Ada', new: 'Ada L.' };
const timeChanged: Difference = { path: '$.ServerTime', kind: 'changed', legacy: 1, new: 2 };
const latency = { legacyMs: 3, newMs: 4 };

/** A noise model that knows `$.ServerTime` as noise, and a record that keeps what it is given. */
function classifyWith(overrides: Partial<ClassifyDeps> = {}) {
  const recorded: { outcome: string; extra: Partial<Pick<ShadowResult, 'group'>> | undefined }[] = [];
  const observedRaw: (readonly Difference[])[] = [];
  const noise: Pick<NoiseModel, 'observeRaw' | 'classify'> = {
    observeRaw: (_routeId, differences) => observedRaw.push(differences),
    classify: (_routeId, differences) => ({
      real: differences.filter((d) => d.path !== '$.ServerTime'),
      noise: differences.filter((d) => d.path === '$.ServerTime'),
    }),
  };
  const record: RecordResult = (_route, outcome, _latency, extra) => recorded.push({ outcome, extra });
  const classify = createClassify({
    noise,
    redactor: createRedactor(),
    writer: {},
    now: () => new Date('2026-03-01T10:00:00Z'),
    record,
    ...overrides,
  });
  const run = (equal: boolean, differences: readonly Difference[]) =>
    classify(route, { request, legacy, candidate, caller: undefined }, rules, latency, {
      equal,
      differences,
    });
  return { run, recorded, observedRaw };
}

describe('classify stage', () => {
  it('records an equal comparison as a match, and differences only in learned noise as noise', () => {
    const { run, recorded, observedRaw } = classifyWith();
    run(true, []);
    run(false, [timeChanged]);
    expect(recorded.map((r) => r.outcome)).toEqual(['match', 'noise']);
    expect(observedRaw).toEqual([[], [timeChanged]]);
  });

  it('records a mismatch whose real differences QA accepted as a match', () => {
    const { run, recorded } = classifyWith({
      acceptedDifferences: () => ({ differences: [{ path: '$.Name', kind: 'changed' }], fingerprints: [] }),
    });
    run(false, [nameChanged, timeChanged]);
    expect(recorded.map((r) => r.outcome)).toEqual(['match']);
  });

  it('records a real difference as a mismatch group with a redacted sample, noise kept apart', () => {
    const { run, recorded } = classifyWith();
    run(false, [nameChanged, timeChanged]);
    const group = recorded[0]?.extra?.group;
    expect(recorded[0]?.outcome).toBe('mismatch');
    expect(group?.fingerprint).toBe(fingerprintOf([nameChanged]));
    expect(group?.paths).toEqual([{ path: '$.Name', kind: 'changed' }]);
    expect(group?.sample?.diffs).toEqual([nameChanged]);
    expect(group?.sample?.noise).toEqual([timeChanged]);
    const stored = JSON.stringify(group?.sample?.legacy);
    expect(stored).not.toContain('ada@example.com');
    expect(stored).toContain(REDACTED);
  });

  it('leaves the sample out, unredacted, when the writer already holds enough for the group', () => {
    const asked: string[] = [];
    const { run, recorded } = classifyWith({
      writer: { wantsSample: (_routeId, fingerprint) => (asked.push(fingerprint), false) },
    });
    run(false, [nameChanged]);
    expect(asked).toEqual([fingerprintOf([nameChanged])]);
    expect(recorded[0]?.outcome).toBe('mismatch');
    expect(recorded[0]?.extra?.group).not.toHaveProperty('sample');
  });
});
