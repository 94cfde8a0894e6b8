import path from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * One direction of dependency (docs/architecture.md). Every product module belongs to an area; an area
 * may import its own modules and those of areas below it, never one above, so no two areas can import
 * each other. Tests and test helpers (testing/ folders, *-fixture.ts, *-test-harness.ts, scripts/bench,
 * src/e2e, contract-tests) may import anything.
 */
const LAYERS = [
  // src's libraries, lowest first
  ['src/identity'],
  ['src/handlers'],
  ['src/routing'],
  ['src/observability'],
  ['src/sync'],
  ['adapters'],
  ['src/state-migrations'],
  ['flags'],
  ['src/proxy'],
  ['src/shadow'],
  ['src/admin'],
  ['src/qa-reports'],
  // the migrated API
  ['routes'],
  // the composition root: what builds everything
  ['src/config'],
  ['src/app-routes'],
  ['src/composition'],
  ['src/main', 'src/shadow-thread-worker'],
  // test helpers, which the tools below may use
  ['src/testing', 'src/e2e'],
  ['contract-tests'],
  ['scripts'],
];
const ROOT = path.dirname(fileURLToPath(import.meta.url));
const TEST_FILE =
  /(\.test\.ts|-fixture\.ts|-test-harness\.ts)$|\/testing\/|^scripts\/bench\/|^src\/e2e\/|^contract-tests\//;

function areaOf(relative) {
  const [top, second] = relative.split('/');
  if (top !== 'src') return top;
  return `src/${second.replace(/\.ts$/, '')}`;
}

function layerOf(area) {
  return LAYERS.findIndex((layer) => layer.includes(area));
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: {} },
  create(context) {
    const relative = path.relative(ROOT, context.filename);
    if (relative.startsWith('..') || TEST_FILE.test(relative)) return {};
    const from = areaOf(relative);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), source));
      const to = areaOf(target);
      if (to === from) return;
      const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
      if (fromLayer < 0 || toLayer < 0) {
        context.report({ node, message: `${fromLayer < 0 ? from : to} is in no layer of eslint.config.js` });
      } else if (toLayer >= fromLayer) {
        context.report({
          node,
          message: `${from} must not import ${to} (${target}): dependencies point down the layers of eslint.config.js`,
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => check(node, node.source?.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.value),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'artifacts/',
      'coverage/',
      'scripts/legacy-aspnet/**/bin/',
      'scripts/legacy-aspnet/**/obj/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { strangler: { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'strangler/layers': 'error',
    },
  },
);
