/*
 * Decisions per second of the flag resolver on the request path, per kind of route flag, evaluated
 * offline by unleash-client exactly as in production. Run: `node flags/decide-bench.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createFlagResolver } from './create-flag-resolver.ts';
import { KILL_SWITCH_FLAG } from './flag-resolver.ts';

const rollout = (name: string, enabled: boolean, percent: number, variants: unknown[] = []) => ({
  name,
  enabled,
  strategies: [
    {
      name: 'flexibleRollout',
      parameters: { rollout: String(percent), stickiness: 'default', groupId: name },
      variants,
    },
  ],
  variants: [],
});

const dir = await mkdtemp(join(tmpdir(), 'strangler-decide-bench-'));
const file = join(dir, 'flags.json');
await writeFile(
  file,
  JSON.stringify({
    version: 2,
    features: [
      { name: KILL_SWITCH_FLAG, enabled: false, strategies: [{ name: 'default', parameters: {} }] },
      rollout('strangler.legacy', false, 100),
      rollout('strangler.new', true, 100),
      rollout('strangler.canary', true, 50),
      rollout('strangler.shadow', true, 100, [
        {
          name: 'shadow',
          weight: 1000,
          weightType: 'variable',
          stickiness: 'default',
          payload: { type: 'json', value: '{"sampleRate":0.2}' },
        },
      ]),
    ],
  }),
);
const flags = await createFlagResolver({
  unleash: undefined,
  flagsFile: file,
  backupDir: dir,
  logger: createSilentLogger(),
});
const ids = Array.from({ length: 10_000 }, (_, i) => ({
  stickinessId: `tenant-${i}`,
  remoteAddress: '10.0.0.1',
}));
const iterations = 1_000_000;

for (const flag of [
  'strangler.legacy',
  'strangler.missing',
  'strangler.new',
  'strangler.canary',
  'strangler.shadow',
]) {
  let sink = 0;
  for (let i = 0; i < 50_000; i++) sink += flags.decide(flag, ids[i % ids.length]!).serve === 'new' ? 1 : 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++)
    sink += flags.decide(flag, ids[i % ids.length]!).serve === 'new' ? 1 : 0;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(iterations / seconds);
  console.log(
    `${flag.padEnd(20)} ${perSecond.toLocaleString('en-US').padStart(12)} decisions/s  ${((seconds / iterations) * 1e9).toFixed(0).padStart(5)} ns each  (new: ${((sink / (iterations + 50_000)) * 100).toFixed(1)}%)`,
  );
}
await flags.stop();
await rm(dir, { recursive: true, force: true });
