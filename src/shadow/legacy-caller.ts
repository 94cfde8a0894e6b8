import { Agent, request } from 'undici';
import type { HostHeaderMode } from '../config.ts';
import type { CapturedRequest, CapturedResponse } from './captured-exchange.ts';

/** Sends a captured request to legacy from the shadow side; rejects on network failure or abort. */
export type LegacyCall = (
  request: CapturedRequest,
  options: { readonly signal: AbortSignal; readonly limitBytes: number },
) => Promise<CapturedResponse>;

export interface LegacyCaller {
  readonly call: LegacyCall;
  close(): Promise<void>;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus what undici frames itself.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'host',
  'accept-encoding',
]);

/**
 * Calls legacy for shadow comparisons over its own keep-alive pool, apart from the proxy's, so shadow
 * load can never take connections the client path needs. Bodies are read up to the limit only.
 */
export function createLegacyCaller(options: {
  readonly legacyUrl: URL;
  readonly hostHeader?: HostHeaderMode;
  /** Sockets to legacy for shadow calls (default 8, the runner's default concurrency). */
  readonly connections?: number;
}): LegacyCaller {
  const agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: 10_000 });
  const base = options.legacyUrl;

  const call: LegacyCall = async (captured, { signal, limitBytes }) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(captured.headers)) {
      if (value === undefined || DROPPED.has(name.toLowerCase())) continue;
      headers[name] = typeof value === 'string' ? value : [...value];
    }
    if (options.hostHeader === 'preserve' && typeof captured.headers.host === 'string') {
      headers.host = captured.headers.host;
    }
    // Compared bodies must be plain bytes; the client's response was decoded the same way.
    headers['accept-encoding'] = 'identity';
    const url = new URL(base);
    url.pathname = `${base.pathname.replace(/\/$/, '')}${captured.path}`;
    url.search = captured.query === '' ? '' : `?${captured.query}`;
    const response = await request(url, {
      method: captured.method as 'GET',
      headers,
      body: captured.body.length > 0 ? captured.body : null,
      signal,
      dispatcher: agent,
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limitBytes) {
        truncated = true;
        response.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) out[name.toLowerCase()] = value;
    }
    return {
      status: response.statusCode,
      headers: out,
      body: truncated ? Buffer.alloc(0) : Buffer.concat(chunks),
      truncated,
    };
  };

  return { call, close: () => agent.close() };
}
