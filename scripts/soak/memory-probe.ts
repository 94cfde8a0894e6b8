/**
 * strangler's own memory, read from its admin port's /metrics (prom-client's default process metrics):
 * the RSS of the strangler process alone (it is the soak's child, not the soak itself) and its V8 heap.
 */
export interface MemorySample {
  /** Milliseconds since the soak's start. */
  readonly atMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

function gauge(text: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (line?.[1] === undefined) throw new Error(`${name} is missing from /metrics`);
  return Number(line[1]);
}

export async function sampleMemory(
  adminUrl: URL,
  operatorToken: string,
  atMs: number,
): Promise<MemorySample> {
  const response = await fetch(new URL('/metrics', adminUrl), {
    headers: { authorization: `Bearer ${operatorToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return {
    atMs,
    rssBytes: gauge(text, 'process_resident_memory_bytes'),
    heapUsedBytes: gauge(text, 'nodejs_heap_size_used_bytes'),
  };
}
