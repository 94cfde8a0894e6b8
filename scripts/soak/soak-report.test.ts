import { describe, expect, test } from '@jest/globals';

import { legacyFailureKind } from './log-digest.ts';
import { memoryVerdict } from './soak-report.ts';
import { SoakTally } from './soak-tally.ts';

const MIB = 1024 * 1024;
const sample = (atS: number, rssMib: number) => ({
  atMs: atS * 1000,
  rssBytes: rssMib * MIB,
  heapUsedBytes: 0,
  cpuSeconds: 0,
  loopLagP99Seconds: 0,
});

describe('the soak verdict', () => {
  test('memory is flat while the end RSS stays within warm-up × 1.10 + 20 MiB, measured from the first sample after 60 s', () => {
    const run = 600_000;
    const within = memoryVerdict([sample(0, 100), sample(60, 200), sample(300, 230), sample(600, 240)], run);
    expect(within.warmUp?.rssBytes).toBe(200 * MIB);
    expect(within.flat).toBe(true);
    const grown = memoryVerdict([sample(0, 100), sample(60, 200), sample(600, 241)], run);
    expect(grown.flat).toBe(false);
    expect(grown.slopeMibPerMin).toBeCloseTo(41 / 9, 5);
  });

  test('a short run warms up for its first quarter', () => {
    expect(memoryVerdict([sample(0, 100), sample(10, 150), sample(40, 150)], 40_000).warmUp?.atMs).toBe(
      10_000,
    );
  });

  test('a failure counts against the restart window when the request overlapped it (legacy down, then 5 s grace)', () => {
    const tally = new SoakTally();
    tally.restart = { fromMs: 10_000, listeningMs: 12_000 };
    const failed = (sentMs: number, doneMs: number) => ({
      cls: 'legacy-read' as const,
      sentMs,
      doneMs,
      status: 502,
    });
    for (const outcome of [
      failed(9_000, 10_500),
      failed(16_900, 17_000),
      failed(17_100, 17_200),
      failed(1, 2),
    ]) {
      tally.add(outcome);
    }
    tally.add({ cls: 'new-read', sentMs: 20_000, doneMs: 20_010, status: undefined });
    expect(tally.failures()).toEqual({
      during: { 'legacy-read 502': 2 },
      outside: { 'legacy-read 502': 2, 'new-read none': 1 },
    });
  });

  test("legacy's failures are counted by kind, whatever connection, request or port they name", () => {
    const line = (connection: string, port: number) =>
      `fail: Microsoft.AspNetCore.Server.Kestrel[13] Connection id "${connection}", Request id "${connection}:00000002": ` +
      `An unhandled exception was thrown by the application. Npgsql.NpgsqlException (0x80004005): Failed to connect to 127.0.0.1:${port}`;
    expect(legacyFailureKind(line('0HNHBQ4M1S2K8', 5432))).toBe(
      legacyFailureKind(line('0HNHBQ4M1S2K9', 5433)),
    );
    expect(
      legacyFailureKind('info: Microsoft.Hosting.Lifetime[14] Now listening on: http://127.0.0.1:5080'),
    ).toBeUndefined();
  });
});
