/**
 * What strangler and legacy said about the run: strangler's warnings and errors (JSON lines,
 * src/observability/logger.ts) and legacy's `fail:`/`crit:` lines (ASP.NET's simple console format),
 * counted by kind, most frequent first, so a failed verdict comes with their reasons next to the
 * client's counts.
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

/** A legacy failure line without what differs between two of one kind (ids, times, ports). */
export function legacyFailureKind(line: string): string | undefined {
  if (!/^(fail|crit):/.test(line)) return undefined;
  return line.replace(/[0-9a-f]{8}-[0-9a-f-]{27}|[0-9A-Z]{13}(:[0-9A-F]{8})?|\d+/g, '#').slice(0, 240);
}

function digest(title: string, counts: ReadonlyMap<string, number>): string[] {
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  if (top.length === 0) return [`  ${title}: none`];
  return [
    `  ${title} (the ${top.length} most frequent of ${counts.size} kinds):`,
    ...top.map(([key, n]) => `    ${String(n).padStart(6)} × ${key}`),
  ];
}

export function logDigest(stranglerOutput: string, legacyFailures: ReadonlyMap<string, number>): string[] {
  const counts = new Map<string, number>();
  for (const line of stranglerOutput.split('\n')) {
    const key = keyOf(line.trim());
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [
    ...digest("strangler's warnings and errors", counts),
    ...digest("legacy's failures", legacyFailures),
  ];
}
