import type { Page } from 'playwright-core';

const WAIT = { timeout: 60_000 } as const;

/** The key under which oidc-client-ts keeps the signed-in user (sessionStorage). */
export const userStorageKey = (issuer: string, clientId: string) => `oidc.user:${issuer}:${clientId}`;

/** Clicks "Sign in" on the page and lands on the provider's own login page. */
export async function openProviderLogin(page: Page, gatewayUrl: string, issuer: string): Promise<void> {
  await page.goto(`${gatewayUrl}/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(`${issuer}/interaction/`), WAIT);
}

/** Fills the provider's login form and submits it. */
export async function submitLogin(page: Page, login: string, password: string): Promise<void> {
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  await page.locator('button[type="submit"]').click();
}

/** The whole sign-in as a person does it: page → provider login → back to the page, connected. */
export async function signInWithProvider(page: Page, gatewayUrl: string, issuer: string, login: string, password: string): Promise<void> {
  await openProviderLogin(page, gatewayUrl, issuer);
  await submitLogin(page, login, password);
  await page.waitForURL(`${gatewayUrl}/`, WAIT);
  await page.locator('.link-status[data-link="online"]').waitFor(WAIT);
}

/** The access token the page holds now (what it sends to negotiate). */
export function storedAccessToken(page: Page, key: string): Promise<string | undefined> {
  return page.evaluate((k) => {
    const text = sessionStorage.getItem(k);
    return text ? (JSON.parse(text) as { access_token?: string }).access_token : undefined;
  }, key);
}

/**
 * Puts another access token in the page's stored sign-in (valid for an hour as
 * far as the page knows, so it sends it rather than renewing first).
 */
export async function replaceStoredAccessToken(page: Page, key: string, token: string): Promise<void> {
  await page.evaluate(
    ([k, t]) => {
      const user = JSON.parse(sessionStorage.getItem(k as string) ?? '{}') as Record<string, unknown>;
      sessionStorage.setItem(k as string, JSON.stringify({ ...user, access_token: t, expires_at: Math.floor(Date.now() / 1000) + 3600 }));
    },
    [key, token],
  );
}
