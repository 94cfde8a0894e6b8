import { describe, expect, test } from '@jest/globals';

import { readImagePlan } from './dockerfile.ts';
import { DockerIgnore } from './dockerignore.ts';

describe('.dockerignore, read as BuildKit does', () => {
  const ignore = new DockerIgnore(
    ['**', '!src', '!scripts/sync-worker.ts', '**/*.test.ts', 'src/e2e'].join('\n'),
  );

  test('the last pattern that matches a path or one of its directories decides', () => {
    expect(ignore.excludes('src/main.ts')).toBe(false);
    expect(ignore.excludes('src/proxy/stages/match.ts')).toBe(false);
    expect(ignore.excludes('src/proxy/stages/match.test.ts')).toBe(true);
    expect(ignore.excludes('src/e2e/strangler-process.ts')).toBe(true);
    expect(ignore.excludes('scripts/sync-worker.ts')).toBe(false);
    expect(ignore.excludes('scripts/migrate.ts')).toBe(true);
    expect(ignore.excludes('node_modules/undici/index.js')).toBe(true);
  });

  test('`**/` also matches no directory at all, and `*` stays within one', () => {
    const rules = new DockerIgnore('**/*.md\nsrc/*.ts');
    expect(rules.excludes('README.md')).toBe(true);
    expect(rules.excludes('docs/deep/limits.md')).toBe(true);
    expect(rules.excludes('src/main.ts')).toBe(true);
    expect(rules.excludes('src/proxy/exchange.ts')).toBe(false);
  });
});

describe('the Dockerfile, read for the image layout', () => {
  const dockerfile = [
    'ARG NODE_IMAGE=node:24-slim',
    'FROM ${NODE_IMAGE} AS deps',
    'RUN npm ci --omit=dev --omit=optional',
    'FROM ${NODE_IMAGE}',
    'WORKDIR /app',
    'COPY --from=deps /app/node_modules ./node_modules',
    'COPY scripts/a.ts scripts/b.ts ./scripts/',
    'USER 10001:10001',
    'ENV DATA_DIR=/tmp/x',
    'CMD ["node", "src/main.ts"]',
  ].join('\n');

  test("gives the final stage's copies, user, environment and command", () => {
    expect(readImagePlan(dockerfile)).toEqual({
      workdir: '/app',
      copies: [
        { fromStage: 'deps', sources: ['/app/node_modules'], destination: '/app/node_modules' },
        { fromStage: undefined, sources: ['scripts/a.ts', 'scripts/b.ts'], destination: '/app/scripts/' },
      ],
      env: { DATA_DIR: '/tmp/x' },
      uid: 10001,
      gid: 10001,
      cmd: ['node', 'src/main.ts'],
      exposedPorts: [],
      npmOmit: ['dev', 'optional'],
    });
  });

  test('refuses what it does not understand rather than rebuild another image', () => {
    expect(() => readImagePlan(dockerfile.replace('USER 10001:10001', 'USER node'))).toThrow(/numeric/);
    expect(() => readImagePlan(`${dockerfile}\nRUN rm -rf /app/src`)).toThrow(/RUN in the final stage/);
    expect(() => readImagePlan(`${dockerfile}\nCOPY a \\\n  b`)).toThrow(/continuations/);
  });
});
