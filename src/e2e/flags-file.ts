import { readFile, writeFile } from 'node:fs/promises';

/* The offline flags file edited the way a person would, for the end-to-end suites. */

export interface FlagChange {
  readonly enabled: boolean;
  /** Variant names, each with equal weight; none means plain "enabled" (mode `new`). */
  readonly variants?: readonly string[];
  /** flexibleRollout percentage; 100 when unset. Below 100 with no variants is a sticky canary. */
  readonly rollout?: number;
}

/** Edits features of an offline flags file (Unleash's client format) the way a person would. */
export async function editFlags(
  flagsFile: string,
  changes: Readonly<Record<string, FlagChange>>,
): Promise<void> {
  const document = JSON.parse(await readFile(flagsFile, 'utf8')) as {
    features: {
      name: string;
      enabled: boolean;
      variants?: unknown[];
      strategies?: { name: string; parameters?: Record<string, string> }[];
    }[];
  };
  for (const [name, change] of Object.entries(changes)) {
    const feature = document.features.find((f) => f.name === name);
    if (feature === undefined) throw new Error(`${flagsFile} has no feature ${name}`);
    feature.enabled = change.enabled;
    feature.variants = (change.variants ?? []).map((variant) => ({
      name: variant,
      weight: Math.floor(1000 / (change.variants?.length ?? 1)),
      weightType: 'variable',
      stickiness: 'default',
    }));
    for (const strategy of feature.strategies ?? []) {
      if (strategy.name === 'flexibleRollout') {
        strategy.parameters = { ...strategy.parameters, rollout: String(change.rollout ?? 100) };
      }
    }
  }
  await writeFile(flagsFile, `${JSON.stringify(document, null, 2)}\n`);
}
