/**
 * How a failed call to legacy is reported: one table from error code to the client's status, as
 * http-proxy-middleware's status-code module does (502 unless legacy was too slow).
 */
export const LEGACY_TIMEOUT_CODE = 'LEGACY_TIMEOUT';

export class LegacyTimeoutError extends Error {
  readonly code = LEGACY_TIMEOUT_CODE;
  constructor(timeoutMs: number) {
    super(`legacy sent nothing for ${timeoutMs} ms`);
    this.name = 'LegacyTimeoutError';
  }
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  [LEGACY_TIMEOUT_CODE]: 504,
  ETIMEDOUT: 504,
  ESOCKETTIMEDOUT: 504,
  ERR_UPSTREAM_UPGRADE_TIMEOUT: 504,
};

/** The error's code for logs and the `code` label: node's system code, or the error name. */
export function upstreamErrorCode(error: unknown): string {
  // Duck-typed rather than `instanceof Error`: node's own errors come from another realm under
  // jest's VM modules, and any object with a string code is as good.
  if (typeof error !== 'object' || error === null) return 'UNKNOWN';
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'UNKNOWN';
}

export function statusForUpstreamError(code: string): number {
  return STATUS_BY_CODE[code] ?? 502;
}
