import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

/*
 * The dependency rule of eslint.config.js (docs/architecture.md) refuses a back-edge, so CI fails on one.
 */

const eslint = new ESLint();

async function layerProblems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'strangler/layers').map((m) => m.message);
}

describe('one direction of dependency', () => {
  it('refuses a library that imports the composition root, routes or scripts', async () => {
    expect(await layerProblems('src/proxy/example.ts', "import '../main.ts';\n")).toEqual([
      expect.stringContaining('src/proxy must not import src/main'),
    ]);
    expect(await layerProblems('src/shadow/example.ts', "export * from '../../routes/index.ts';\n")).toEqual([
      expect.stringContaining('src/shadow must not import routes'),
    ]);
    expect(await layerProblems('adapters/example.ts', "await import('../scripts/cli-args.ts');\n")).toEqual([
      expect.stringContaining('adapters must not import scripts'),
    ]);
  });

  it('refuses the edge that would close a cycle between two libraries', async () => {
    // src/shadow imports src/proxy (the exchange observer), so src/proxy may not import src/shadow.
    expect(await layerProblems('src/proxy/example.ts', "import '../shadow/start-shadow.ts';\n")).toEqual([
      expect.stringContaining('src/proxy must not import src/shadow'),
    ]);
  });

  it('lets dependencies point down, and tests and their helpers import what they test', async () => {
    expect(await layerProblems('src/shadow/example.ts', "import '../proxy/exchange.ts';\n")).toEqual([]);
    expect(await layerProblems('scripts/example.ts', "import '../src/main.ts';\n")).toEqual([]);
    expect(await layerProblems('src/proxy/example.test.ts', "import '../../scripts/cli-args.ts';\n")).toEqual(
      [],
    );
    expect(
      await layerProblems('src/shadow/testing/helper.ts', "import '../../../routes/index.ts';\n"),
    ).toEqual([]);
  });
});
