import { describe, expect, it } from '@jest/globals';
import { createSilentLogger } from '../../observability/logger.ts';
import type { RetentionResult, ShadowStore } from './shadow-store.ts';
import { startShadowRetention } from './shadow-retention.ts';

/** Records what retention asked the store to delete (the deletes themselves are tested on PostgreSQL). */
function recordingStore(result: RetentionResult = { samples: 0, minutes: 0, groups: 0 }) {
  const calls: { olderThan: Date; batchSize: number }[] = [];
  const store: Pick<ShadowStore, 'deleteExpired'> = {
    async deleteExpired(options) {
      calls.push(options);
      return result;
    },
  };
  return { store, calls };
}

describe('shadow retention', () => {
  it('deletes what is older than the retention period (14 days by default)', async () => {
    const { store, calls } = recordingStore({ samples: 3, minutes: 2, groups: 1 });
    const retention = startShadowRetention({
      store,
      logger: createSilentLogger(),
      now: () => new Date('2026-05-15T00:00:00Z'),
    });
    expect(await retention.runOnce()).toEqual({ samples: 3, minutes: 2, groups: 1 });
    await retention.stop();
    expect(calls).toEqual([{ olderThan: new Date('2026-05-01T00:00:00Z'), batchSize: 1000 }]);
  });

  it('runs on its timer and keeps running after a failed pass', async () => {
    let attempts = 0;
    const retention = startShadowRetention({
      store: {
        async deleteExpired() {
          attempts += 1;
          if (attempts === 1) throw new Error('store down');
          return { samples: 0, minutes: 0, groups: 0 };
        },
      },
      logger: createSilentLogger(),
      retentionDays: 1,
      intervalMs: 20,
    });
    const deadline = Date.now() + 3000;
    while (attempts < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await retention.stop();
    expect(attempts).toBeGreaterThanOrEqual(2);
  });

  it('runs once soon after start, without waiting a whole interval', async () => {
    const { store, calls } = recordingStore();
    const retention = startShadowRetention({
      store,
      logger: createSilentLogger(),
      intervalMs: 60 * 60 * 1000,
      firstRunMs: 10,
    });
    const deadline = Date.now() + 3000;
    while (calls.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await retention.stop();
    expect(calls).toHaveLength(1);
  });
});
