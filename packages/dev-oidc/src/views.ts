/**
 * The provider's own pages (login, sign-out, errors). Plain HTML with one
 * stylesheet and no script, served under a CSP that allows nothing else.
 */

export const STYLESHEET_PATH = '/dev-oidc.css';

export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #eef1f6; color: #1c2230; }
main { width: min(22rem, calc(100vw - 2rem)); background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 4px 24px #0002; }
h1 { font-size: 1.25rem; margin: 0 0 0.25rem; }
p { margin: 0.25rem 0 1rem; color: #4a5368; }
label { display: block; font-weight: 600; margin: 0.75rem 0 0.25rem; }
input { box-sizing: border-box; width: 100%; padding: 0.55rem 0.6rem; font: inherit; border: 1px solid #b8c0d0; border-radius: 6px; }
button { margin-top: 1.25rem; width: 100%; padding: 0.6rem; font: inherit; font-weight: 600; color: #fff; background: #3552c8; border: 0; border-radius: 6px; cursor: pointer; }
.error { color: #a3212b; font-weight: 600; }
.hint { font-size: 0.85rem; margin-top: 1rem; }
code { font-size: 0.85rem; }
@media (prefers-color-scheme: dark) {
  body { background: #141821; color: #e6e9f0; }
  main { background: #1f2532; }
  p { color: #aab2c5; }
  input { background: #141821; color: inherit; border-color: #414a5e; }
}
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** A whole page; `body` is trusted HTML built by the functions below. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="${STYLESHEET_PATH}"><link rel="icon" href="data:,"></head>
<body><main>${body}</main></body></html>`;
}

export function loginPage(options: { uid: string; clientId: string; login?: string; error?: string; users: readonly string[] }): string {
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return page(
    'Sign in — Parley dev identity provider',
    `<h1>Sign in</h1>
<p>to <strong>${escapeHtml(options.clientId)}</strong> at the local Parley identity provider.</p>
${error}
<form method="post" action="/interaction/${encodeURIComponent(options.uid)}/login" autocomplete="off">
<label for="login">User</label>
<input id="login" name="login" required autofocus value="${escapeHtml(options.login ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Local users: ${options.users.map((u) => `<code>${escapeHtml(u)}</code>`).join(', ')} (password: the name followed by <code>-pw</code>).</p>`,
  );
}

/** oidc-provider's hidden logout form (`form`) with a visible confirm button. */
export function logoutPage(form: string): string {
  return page(
    'Sign out — Parley dev identity provider',
    `${form}<h1>Sign out</h1><p>Sign out of the local Parley identity provider?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
