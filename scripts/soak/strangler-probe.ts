/**
 * strangler's own figures, read from its admin port's /metrics (prom-client's default process
 * metrics): the RSS of the strangler process alone (it is the soak's child, not the soak itself), its
 * V8 heap, the CPU time it has used and its event loop's p99 lag, so an overloaded run says whether
 * strangler or the machine ran out.
 */
export interface StranglerSample {
  /** Milliseconds since the soak's start. */
  readonly atMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly cpuSeconds: number;
  readonly loopLagP99Seconds: number;
}

function gauge(text: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (line?.[1] === undefined) throw new Error(`${name} is missing from /metrics`);
  return Number(line[1]);
}

export async function sampleStrangler(
  adminUrl: URL,
  operatorToken: string,
  atMs: number,
): Promise<StranglerSample> {
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
    cpuSeconds: gauge(text, 'process_cpu_seconds_total'),
    loopLagP99Seconds: gauge(text, 'nodejs_eventloop_lag_p99_seconds'),
  };
}
