/**
 * The parts of Unleash's client feature format (the JSON `GET /api/client/features` serves, which is
 * also the format of flags.json) that strangler reads. Declared here rather than imported from
 * unleash-client's internals so the resolver depends on the wire format, not on the SDK's layout.
 */
export interface PayloadDefinition {
  readonly type: string;
  readonly value: string;
}

export interface VariantDefinition {
  readonly name: string;
  readonly weight: number;
  readonly weightType?: string;
  readonly stickiness?: string;
  readonly payload?: PayloadDefinition;
}

export interface StrategyDefinition {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly constraints?: readonly unknown[];
  readonly segments?: readonly number[];
  readonly variants?: readonly VariantDefinition[];
  readonly disabled?: boolean | null;
}

export interface FlagDefinition {
  readonly name: string;
  readonly enabled: boolean;
  readonly strategies?: readonly StrategyDefinition[];
  readonly variants?: readonly VariantDefinition[];
  readonly dependencies?: readonly unknown[];
}

export interface SegmentDefinition {
  readonly id: number;
  readonly constraints: readonly unknown[];
}

export interface FlagsDocument {
  readonly version: number;
  readonly features: readonly FlagDefinition[];
  readonly segments?: readonly SegmentDefinition[];
}

/** A flags file that cannot be used; every problem is listed so one edit can fix them all. */
export class FlagsFileError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid flags file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FlagsFileError';
    this.problems = problems;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses and shape-checks a flags document. unleash-client accepts malformed features and then
 * evaluates them as disabled with an error event per lookup, so a broken edit is rejected here,
 * before it can replace the last good flags.
 */
export function parseFlagsDocument(text: string): FlagsDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error: unknown) {
    throw new FlagsFileError([`not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const problems: string[] = [];
  if (!isObject(data)) throw new FlagsFileError(['the document must be a JSON object']);
  if (data.version !== undefined && typeof data.version !== 'number') {
    problems.push('"version" must be a number');
  }
  if (!Array.isArray(data.features)) {
    problems.push('"features" must be an array');
  } else {
    const seen = new Set<string>();
    data.features.forEach((feature: unknown, index) => {
      checkFeature(feature, `features[${index}]`, problems);
      if (isObject(feature) && typeof feature.name === 'string') {
        if (seen.has(feature.name)) problems.push(`features[${index}]: duplicate flag "${feature.name}"`);
        seen.add(feature.name);
      }
    });
  }
  if (data.segments !== undefined) {
    if (!Array.isArray(data.segments)) {
      problems.push('"segments" must be an array');
    } else {
      data.segments.forEach((segment: unknown, index) => {
        const at = `segments[${index}]`;
        if (!isObject(segment)) return problems.push(`${at} must be an object`);
        if (typeof segment.id !== 'number') problems.push(`${at}.id must be a number`);
        if (!Array.isArray(segment.constraints)) problems.push(`${at}.constraints must be an array`);
        return undefined;
      });
    }
  }
  if (problems.length > 0) throw new FlagsFileError(problems);
  return {
    ...(data as unknown as FlagsDocument),
    version: typeof data.version === 'number' ? data.version : 2,
  };
}

function checkFeature(feature: unknown, at: string, problems: string[]): void {
  if (!isObject(feature)) {
    problems.push(`${at} must be an object`);
    return;
  }
  const name = typeof feature.name === 'string' && feature.name !== '' ? feature.name : undefined;
  const where = name === undefined ? at : `${at} ("${name}")`;
  if (name === undefined) problems.push(`${at}.name must be a non-empty string`);
  if (typeof feature.enabled !== 'boolean') problems.push(`${where}.enabled must be true or false`);
  if (!Array.isArray(feature.strategies)) {
    problems.push(`${where}.strategies must be an array`);
  } else {
    feature.strategies.forEach((strategy: unknown, index) =>
      checkStrategy(strategy, `${where}.strategies[${index}]`, problems),
    );
  }
  if (feature.variants !== undefined) checkVariants(feature.variants, `${where}.variants`, problems);
  if (feature.dependencies !== undefined && !Array.isArray(feature.dependencies)) {
    problems.push(`${where}.dependencies must be an array`);
  }
}

function checkStrategy(strategy: unknown, at: string, problems: string[]): void {
  if (!isObject(strategy)) {
    problems.push(`${at} must be an object`);
    return;
  }
  if (typeof strategy.name !== 'string' || strategy.name === '') problems.push(`${at}.name must be a string`);
  if (strategy.parameters !== undefined && !isObject(strategy.parameters)) {
    problems.push(`${at}.parameters must be an object`);
  }
  if (strategy.constraints !== undefined && !Array.isArray(strategy.constraints)) {
    problems.push(`${at}.constraints must be an array`);
  }
  if (strategy.segments !== undefined && !Array.isArray(strategy.segments)) {
    problems.push(`${at}.segments must be an array`);
  }
  if (strategy.variants !== undefined) checkVariants(strategy.variants, `${at}.variants`, problems);
  if (strategy.name === 'flexibleRollout' && isObject(strategy.parameters)) {
    const rollout = strategy.parameters.rollout;
    const value = typeof rollout === 'string' || typeof rollout === 'number' ? Number(rollout) : NaN;
    if (!(value >= 0 && value <= 100)) problems.push(`${at}.parameters.rollout must be a percentage 0..100`);
  }
}

function checkVariants(variants: unknown, at: string, problems: string[]): void {
  if (!Array.isArray(variants)) {
    problems.push(`${at} must be an array`);
    return;
  }
  variants.forEach((variant: unknown, index) => {
    const where = `${at}[${index}]`;
    if (!isObject(variant)) return problems.push(`${where} must be an object`);
    if (typeof variant.name !== 'string' || variant.name === '')
      problems.push(`${where}.name must be a string`);
    if (typeof variant.weight !== 'number' || variant.weight < 0) {
      problems.push(`${where}.weight must be a non-negative number`);
    }
    const payload = variant.payload;
    if (
      payload !== undefined &&
      (!isObject(payload) || typeof payload.type !== 'string' || typeof payload.value !== 'string')
    ) {
      problems.push(`${where}.payload must be { "type": string, "value": string }`);
    }
    return undefined;
  });
}
