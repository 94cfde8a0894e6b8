/**
 * What strangler itself said about the run: its warnings and errors (JSON lines, src/observability/
 * logger.ts) counted by level, message and error, most frequent first, so a failed verdict comes with
 * strangler's reasons next to the client's counts.
 */
const SHOWN = 8;

function keyOf(line: string): string | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { level, message, route, error } = entry as Record<string, unknown>;
  if (level !== 'warn' && level !== 'error') return undefined;
  const detail =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>).message : error;
  const where = typeof route === 'string' ? ` [${route}]` : '';
  return `${level}${where} ${String(message)}${detail === undefined ? '' : `: ${String(detail)}`}`.slice(
    0,
    240,
  );
}

export function logDigest(output: string): string[] {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    const key = keyOf(line.trim());
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  if (top.length === 0) return ['  strangler logged no warnings or errors'];
  return [
    `  strangler's warnings and errors (the ${top.length} most frequent of ${counts.size} kinds):`,
    ...top.map(([key, n]) => `    ${String(n).padStart(6)} × ${key}`),
  ];
}
