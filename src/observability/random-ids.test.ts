import { describe, expect, it } from '@jest/globals';

import { randomHexId, randomIdGenerator, randomUuid } from './random-ids.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('random ids', () => {
  it('gives trace and span ids of the W3C lengths, all different, across refills of the pool', () => {
    const traceIds = Array.from({ length: 5000 }, () => randomIdGenerator.generateTraceId());
    const spanIds = Array.from({ length: 5000 }, () => randomIdGenerator.generateSpanId());
    for (const id of traceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spanIds) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(traceIds).size).toBe(traceIds.length);
    expect(new Set(spanIds).size).toBe(spanIds.length);
  });

  it('hands out bytes no earlier call got', () => {
    expect(randomHexId(16)).not.toBe(randomHexId(16));
    expect(randomHexId(4)).toHaveLength(8);
  });

  it('gives lowercase hex that reads back through Buffer unchanged, and a version 4 UUID', () => {
    const id = randomHexId(8);
    expect(Buffer.from(id, 'hex').toString('hex')).toBe(id);
    expect(randomUuid()).toMatch(UUID_V4);
  });
});

describe('randomUuid (request ids)', () => {
  it('gives version 4 UUIDs, all different, across several refills of its pool', () => {
    const ids = Array.from({ length: 10_000 }, () => randomUuid());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in the random positions', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomUuid().slice(0, 8)).join(''));
    expect(seen.size).toBe(16);
  });
});
