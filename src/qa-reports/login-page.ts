import { markup, type SafeHtml } from './html.ts';
import { layoutPage } from './layout-page.ts';

/**
 * The sign-in form. `plainHttpHost`: the page was reached over plain http under that (non-loopback)
 * name, where the browser will drop the sign-in cookies, so the page says what is needed instead.
 */
export function loginPage(
  csrf: string,
  next: string,
  error: string | undefined,
  plainHttpHost?: string,
): string {
  const body = markup`${plainHttpHost === undefined ? markup`` : plainHttpNotice(plainHttpHost)}
    ${error === undefined ? markup`` : markup`<p class="error" role="alert">${error}</p>`}
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

/** The page that replaces "form expired" when the sign-in cookie was lost to plain http. */
export function plainHttpSignInPage(host: string): string {
  return layoutPage(
    'Sign-in needs HTTPS',
    markup`${plainHttpNotice(host)}<p><a href="/reports/login">Back to the sign-in page</a></p>`,
    undefined,
  );
}

// A proxy that does terminate TLS but sends no X-Forwarded-Proto gets this notice wrongly; the form
// stays, so sign-in still works there.
function plainHttpNotice(host: string): SafeHtml {
  return markup`<div class="error" role="alert" id="plain-http-notice">
      <p>
        This page reached strangler over plain HTTP as <code>${host}</code>. Browsers keep the sign-in
        cookies only over HTTPS or on <code>localhost</code>, so signing in here fails.
      </p>
      <p>What is needed, one of:</p>
      <ul>
        <li>HTTPS on the admin port: set <code>ADMIN_TLS_CERT</code> and <code>ADMIN_TLS_KEY</code> (PEM files).</li>
        <li>
          A TLS-terminating proxy in front of the admin port that sends <code>X-Forwarded-Proto: https</code>.
        </li>
        <li>Reaching it as <code>localhost</code>, e.g. through <code>kubectl port-forward</code> or an SSH tunnel.</li>
      </ul>
    </div>`;
}
