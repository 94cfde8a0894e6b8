/** How request bodies are received and how much of them one replica holds (src/proxy/upload-gate.ts). */
import { DEFAULT_BODY_SETTINGS, type BodySettings } from '../proxy/upload-gate.ts';
import type { EnvReader } from './env-reader.ts';

export type { BodySettings };

const MAX = Number.MAX_SAFE_INTEGER;

export function readBodySettings(r: EnvReader): BodySettings {
  const d = DEFAULT_BODY_SETTINGS;
  const settings: BodySettings = {
    bufferBytes: r.int('BODY_BUFFER_BYTES', d.bufferBytes, 0, MAX),
    budgetBytes: r.int('BODY_BUDGET_BYTES', d.budgetBytes, 1, MAX),
    minBytesPerSecond: r.int('BODY_MIN_RATE_BYTES_PER_SECOND', d.minBytesPerSecond, 0, MAX),
    rateGraceMs: r.int('BODY_MIN_RATE_GRACE_MS', d.rateGraceMs, 0, 3_600_000),
    idleTimeoutMs: r.int('BODY_IDLE_TIMEOUT_MS', d.idleTimeoutMs, 0, 3_600_000),
    perAddress: r.int('BODY_UPLOADS_PER_ADDRESS', d.perAddress, 0, 1_000_000),
  };
  // A body the size of the buffer must fit, or every such body would be refused.
  if (settings.budgetBytes < settings.bufferBytes) {
    r.problems.push(
      `BODY_BUDGET_BYTES (${settings.budgetBytes}) must be at least BODY_BUFFER_BYTES (${settings.bufferBytes})`,
    );
  }
  return settings;
}
