import { markup, type SafeHtml } from './html.ts';
import type { TimeWindow } from './report-store.ts';
import { BadRequestError } from './bad-request-error.ts';
import { timestamp } from './layout-page.ts';

export interface WindowChoice {
  readonly key: string;
  readonly window: TimeWindow;
}

const PRESETS: readonly { key: string; label: string; ms: number }[] = [
  { key: '15m', label: 'last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: 'last hour', ms: 60 * 60_000 },
  { key: '24h', label: 'last 24 hours', ms: 24 * 60 * 60_000 },
  { key: '7d', label: 'last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { key: '14d', label: 'last 14 days (retention)', ms: 14 * 24 * 60 * 60_000 },
];
export const DEFAULT_WINDOW = '24h';

/** `window=1h` (a preset) or `from`/`to` as ISO 8601; presets end now. */
export function parseWindow(query: Readonly<Record<string, unknown>>, now: Date): WindowChoice {
  const from = query.from;
  const to = query.to;
  if (typeof from === 'string' && from !== '') {
    const f = new Date(from);
    const t = typeof to === 'string' && to !== '' ? new Date(to) : now;
    const problems: string[] = [];
    if (Number.isNaN(f.getTime())) problems.push('from must be an ISO 8601 date-time');
    if (Number.isNaN(t.getTime())) problems.push('to must be an ISO 8601 date-time');
    if (problems.length === 0 && f.getTime() >= t.getTime()) problems.push('from must be before to');
    if (problems.length > 0) throw new BadRequestError(problems);
    return { key: 'custom', window: { from: f, to: t } };
  }
  const key = typeof query.window === 'string' && query.window !== '' ? query.window : DEFAULT_WINDOW;
  const preset = PRESETS.find((p) => p.key === key);
  if (preset === undefined) {
    throw new BadRequestError([`window must be one of ${PRESETS.map((p) => p.key).join(', ')}`]);
  }
  return { key, window: { from: new Date(now.getTime() - preset.ms), to: now } };
}

/** The query that selects the same window again, for links to other pages (`window=1h` or `from=…&to=…`). */
export function windowQuery(choice: WindowChoice): string {
  if (choice.key !== 'custom') return `window=${encodeURIComponent(choice.key)}`;
  const from = encodeURIComponent(choice.window.from.toISOString());
  return `from=${from}&to=${encodeURIComponent(choice.window.to.toISOString())}`;
}

export function windowFilter(action: string, choice: WindowChoice, status: SafeHtml | undefined): SafeHtml {
  return markup`<form method="get" action="${action}" class="filters">
      <label
        >Time window
        <select name="window">
          ${
            // A from/to range is shown as such instead of the browser silently showing the first preset.
            choice.key === 'custom' ? markup`<option value="" selected disabled>the range below</option>` : ''
          }${PRESETS.map(
            (p) =>
              markup`<option value="${p.key}" ${p.key === choice.key ? markup` selected` : markup``}>
                ${p.label}
              </option>`,
          )}
        </select></label
      >${status ?? markup``}<button type="submit">Apply</button>
    </form>
    <p class="muted window-range">${timestamp(choice.window.from)} – ${timestamp(choice.window.to)}</p>`;
}
