import { markup } from '../html.ts';
import { layoutPage } from '../layout-page.ts';

/** A page that only says what went wrong, with a way back; for the browser's side of every refusal. */
export function messagePage(title: string, message: string): string {
  return layoutPage(
    title,
    markup`<p class="error">${message}</p>
      <p><a href="/reports">Back to the reports</a></p>`,
    undefined,
  );
}
