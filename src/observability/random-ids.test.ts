import { describe, expect, it } from '@jest/globals';

import { randomBytes, randomHexId, randomIdGenerator } from './random-ids.ts';

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
    const first = Buffer.from(randomBytes(16));
    const second = Buffer.from(randomBytes(16));
    expect(first.equals(second)).toBe(false);
    expect(randomHexId(4)).toHaveLength(8);
  });
});
