import type { Result } from './wrk-measure.ts';

/**
 * The bench's table: each target's median round, its ratios to direct and to the best nginx row, and
 * whether strangler meets the README's targets against that nginx.
 */
export function printResults(results: readonly Result[], nginxWanted: boolean): void {
  const direct = results.find((r) => r.name === 'direct');
  // The base is nginx at its best process count on this machine, so no count flatters strangler.
  const nginx = results
    .filter((r) => r.name === 'nginx' || r.name.startsWith('nginx ×'))
    .reduce<Result | undefined>(
      (best, r) => (best === undefined || r.requestsPerSecond > best.requestsPerSecond ? r : best),
      undefined,
    );
  const pad = (text: string, width: number): string => text.padStart(width);
  console.log(
    `\n${'target'.padEnd(32)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}` +
      `${pad('vs direct', 11)}${pad('vs nginx', 10)}${pad('p50/nginx', 11)}${pad('cpu µs/req', 12)}${pad('cpu split %', 13)}`,
  );
  for (const r of results) {
    const ratio = (base: Result | undefined): string =>
      base === undefined ? '-' : `${(r.requestsPerSecond / base.requestsPerSecond).toFixed(2)}x`;
    const p50Ratio = nginx === undefined ? '-' : `${(r.p50Ms / nginx.p50Ms).toFixed(2)}x`;
    console.log(
      `${r.name.padEnd(32)}${pad(r.requestsPerSecond.toFixed(0), 10)}${pad(r.p50Ms.toFixed(2), 9)}` +
        `${pad(r.p99Ms.toFixed(2), 9)}${pad(String(r.errors), 8)}${pad(ratio(direct), 11)}${pad(ratio(nginx), 10)}` +
        `${pad(p50Ratio, 11)}${pad(r.cpuMicrosPerRequest === undefined ? '-' : r.cpuMicrosPerRequest.toFixed(1), 12)}` +
        `${pad(r.cpuSplit === undefined ? '-' : r.cpuSplit.map((share) => share.toFixed(0)).join('/'), 13)}`,
    );
  }
  if (nginx !== undefined) {
    for (const r of results.filter((result) => result.name.startsWith('strangler'))) {
      const throughput = r.requestsPerSecond / nginx.requestsPerSecond;
      const latency = r.p50Ms / nginx.p50Ms;
      const verdict = throughput >= 0.6 && latency <= 2 ? 'meets' : 'misses';
      console.log(
        `${r.name}: ${verdict} the target (req/s ${throughput.toFixed(2)}x ${nginx.name} ≥ 0.6x, p50 ${latency.toFixed(2)}x ≤ 2x)`,
      );
    }
  } else if (nginxWanted) {
    console.log('nginx is not installed: no nginx comparison (apt-get install -y nginx)');
  }
}
