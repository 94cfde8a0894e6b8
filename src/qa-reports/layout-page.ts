import { markup, type SafeHtml } from './html.ts';

export interface PageContext {
  readonly actor: string;
  readonly role: 'qa' | 'operator';
  /** Synchronizer token every form on the page carries. */
  readonly csrf: string;
  /** The confirmation of the decision that redirected here (decision-notice.ts). */
  readonly notice?: string | undefined;
}

export const STYLESHEET_PATH = '/reports/static/reports.css';

/** The page shell: one stylesheet from this server, no inline script or style (the CSP forbids both). */
export function layoutPage(title: string, body: SafeHtml, context: PageContext | undefined): string {
  const nav =
    context === undefined
      ? markup`<header class="top"><span class="brand">strangler QA</span></header>`
      : markup`<header class="top">
          <span class="brand">strangler QA</span>
          <nav aria-label="Reports"><a href="/reports">Routes</a> <a href="/reports/audit">Audit log</a></nav>
          <span class="who">Signed in as <strong>${context.actor}</strong> (${context.role})</span>
          <form method="post" action="/reports/logout" class="inline">
            ${csrfField(context)}<button type="submit" class="quiet">Sign out</button>
          </form>
        </header>`;
  const notice =
    context?.notice === undefined ? markup`` : markup`<p class="flash" role="status">${context.notice}</p>`;
  return `<!doctype html>\n${
    markup`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · strangler QA</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
        <link rel="icon" href="data:," />
      </head>
      <body>
        ${nav}
        <main>
          <h1>${title}</h1>
          ${notice}${body}
        </main>
      </body>
    </html>`.value
  }`;
}

export function csrfField(context: PageContext): SafeHtml {
  return markup`<input type="hidden" name="_csrf" value="${context.csrf}" />`;
}

export function percent(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(1)}%`;
}

export function millis(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

/**
 * The one way every page, chart and export shows a moment: `2026-12-06 18:05:13 UTC`. Always UTC and
 * saying so, so people in different zones read the same time.
 */
export function timestamp(value: Date | null): string {
  return value === null ? '–' : `${value.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** A wide table in a box of its own that scrolls sideways, so the page itself fits a narrow window. */
export function scrollBox(label: string, content: SafeHtml): SafeHtml {
  // Focusable and named: a keyboard user can scroll it too (axe: scrollable-region-focusable).
  return markup`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${content}</div>`;
}

/** A table with one heading per column and one row per item; `cells` gives an item's cells in order. */
export function dataTable<T>(
  className: string,
  headings: readonly string[],
  items: readonly T[],
  cells: (item: T) => readonly unknown[],
): SafeHtml {
  return scrollBox(
    `${className} table`,
    markup`<table class="${className}">
    <thead>
      <tr>
        ${headings.map((heading) => markup`<th scope="col">${heading}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${items.map((item) => markup`<tr>${cells(item).map((cell) => markup`<td>${cell}</td>`)}</tr>`)}
    </tbody>
  </table>`,
  );
}
