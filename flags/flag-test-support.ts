import { PassThrough } from 'node:stream';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { Logger } from '../src/observability/logger.ts';
import { createLogger } from '../src/observability/logger.ts';

/** A real winston logger whose JSON lines the test can read back. */
export function createCapturingLogger(): { logger: Logger; lines(): Record<string, unknown>[] } {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      newline = buffered.indexOf('\n');
    }
  });
  return { logger: createLogger('debug', stream), lines: () => [...lines] };
}

/** Polls until `check` holds; resolves with the milliseconds it took, rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

/** Builds flags in Unleash's client feature format, as flags.json and the Client API carry them. */
export function rolloutFlag(
  name: string,
  options: {
    enabled?: boolean;
    rollout?: number;
    variants?: readonly { name: string; weight: number; payload?: { type: string; value: string } }[];
  } = {},
): Record<string, unknown> {
  return {
    name,
    enabled: options.enabled ?? true,
    strategies: [
      {
        name: 'flexibleRollout',
        parameters: { rollout: String(options.rollout ?? 100), stickiness: 'default', groupId: name },
        constraints: [],
        variants: (options.variants ?? []).map((v) => ({
          weightType: 'variable',
          stickiness: 'default',
          ...v,
        })),
      },
    ],
    variants: [],
  };
}

/**
 * A real unleash-client evaluating `features` from a bootstrap, with no network (as a reference for
 * what the SDK itself decides and counts); ready when the promise resolves. `destroy()` it after.
 */
export async function startReferenceUnleash(features: readonly unknown[]): Promise<Unleash> {
  const unleash = new Unleash({
    appName: 'reference',
    url: 'http://127.0.0.1:9/',
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: features as never },
    disableAutoStart: true,
    skipInstanceCountWarning: true,
  });
  const ready = new Promise<void>((resolve) => unleash.once('ready', () => resolve()));
  await unleash.start();
  await ready;
  return unleash;
}
