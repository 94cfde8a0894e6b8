import { describe, expect, it } from '@jest/globals';

import { createPollingLoop, dueEvery } from './polling-loop.ts';
import type { LoopPace } from './polling-loop.ts';

const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('createPollingLoop', () => {
  it('goes again at once while busy, and stop() wakes a loop sleeping its idle poll', async () => {
    const paces: LoopPace[] = ['busy', 'busy', 'idle'];
    let rounds = 0;
    const loop = createPollingLoop({
      loops: 1,
      idlePollMs: 60_000,
      round: async () => paces[rounds++] ?? 'idle',
      onError: () => undefined,
    });
    loop.start();
    await until(() => rounds === 3);
    const stopped = Date.now();
    await loop.stop();
    expect(Date.now() - stopped).toBeLessThan(1000);
    expect(rounds).toBe(3);
  });

  it('hands a failed round to onError and keeps going after a backoff', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const loop = createPollingLoop({
      loops: 1,
      idlePollMs: 60_000,
      round: async () => {
        rounds += 1;
        if (rounds === 1) throw new Error('database down');
        return 'idle';
      },
      onError: (error) => errors.push(error),
    });
    loop.start();
    await until(() => rounds === 2);
    await loop.stop();
    expect(errors).toEqual([new Error('database down')]);
  });

  it('runs as many loops as asked, each calling the round', async () => {
    let inRound = 0;
    let most = 0;
    const loop = createPollingLoop({
      loops: 3,
      idlePollMs: 60_000,
      round: async () => {
        inRound += 1;
        most = Math.max(most, inRound);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inRound -= 1;
        return 'idle';
      },
      onError: () => undefined,
    });
    loop.start();
    // stop() wakes sleeping loops; one still in its round finishes it and its sleep first.
    await until(() => most === 3 && inRound === 0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await loop.stop();
    expect(most).toBe(3);
  });
});

describe('dueEvery', () => {
  it('is due at most once per period, the first time once the period has passed since `since`', () => {
    const now = Date.now();
    const due = dueEvery(60_000, now);
    expect(due()).toBe(false);
    const never = dueEvery(60_000);
    expect([never(), never()]).toEqual([true, false]);
  });
});
