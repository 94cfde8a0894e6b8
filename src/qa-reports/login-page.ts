import { markup } from './html.ts';
import { layoutPage } from './layout-page.ts';

export function loginPage(csrf: string, next: string, error: string | undefined): string {
  const body = markup`${error === undefined ? markup`` : markup`<p class="error" role="alert">${error}</p>`}
    <form method="post" action="/reports/login" class="stack" id="login-form">
      <input type="hidden" name="_csrf" value="${csrf}" /><input type="hidden" name="next" value="${next}" />
      <label
        >Your name (recorded with your decisions)
        <input name="name" autocomplete="username" maxlength="100" required
      /></label>
      <label
        >Admin token (ADMIN_QA_TOKEN or ADMIN_OPERATOR_TOKEN)
        <input name="token" type="password" autocomplete="current-password" required
      /></label>
      <button type="submit">Sign in</button>
    </form>`;
  return layoutPage('Sign in to QA reports', body, undefined);
}
