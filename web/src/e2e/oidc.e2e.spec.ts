import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOidc, type DevOidc } from '@parley/dev-oidc';
import type { Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { DESKTOP, PHONE, SKIP_MESSAGE, hasChromium, launchChromium, newWatchedPage, type PageWatch } from './browser.js';
import { buildPageForTests } from './build-page.js';
import { ChatPageDriver } from './chat-page.js';
import { openProviderLogin, replaceStoredAccessToken, signInWithProvider, storedAccessToken, submitLogin, userStorageKey } from './oidc-page.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const shot = (name: string) => `${ARTIFACTS}${name}.png`;
/** Short enough that the page renews within seconds (it renews 60 s before expiry). */
const TOKEN_TTL_SECONDS = 65;

if (!hasChromium) console.warn(SKIP_MESSAGE);

describe.skipIf(!hasChromium)('OpenID Connect sign-in in a real browser, through the local provider, against the whole stack', () => {
  let stack: Stack;
  let idp: DevOidc;
  let logs: string[];
  let cleanup: () => Promise<void>;
  let webRoot: string;
  let browser: Browser;
  let userKey: string;
  const watches: PageWatch[] = [];

  async function newPage(viewport: { width: number; height: number } = DESKTOP): Promise<Page> {
    const { page, watch } = await newWatchedPage(browser, viewport);
    watches.push(watch);
    return page;
  }

  /** Every Authorization header the page sent to /api/negotiate. */
  function negotiateBearers(page: Page): string[] {
    const seen: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/negotiate')) seen.push(request.headers().authorization ?? '(none)');
    });
    return seen;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    webRoot = await buildPageForTests();
    ({ stack, logs, cleanup } = await startTestStack({
      auth: 'oidc',
      oidc: { accessTokenTtlSeconds: TOKEN_TTL_SECONDS },
      env: { gateway: { WEB_ROOT: webRoot } },
    }));
    idp = stack.identityProvider!;
    userKey = userStorageKey(idp.issuer, idp.clientId);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
    if (webRoot) await rm(webRoot, { recursive: true, force: true });
  });

  it('serves the sign-in settings and a CSP that lets the page reach only the provider besides itself', async () => {
    const config = (await (await fetch(`${stack.gatewayUrl}/api/config`)).json()) as Record<string, string>;
    expect(config).toEqual({ auth: 'oidc', authority: idp.issuer, clientId: idp.clientId, scopes: idp.scopes });
    const page = await fetch(`${stack.gatewayUrl}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    // The one WebSocket host negotiate hands out (the local front door), not any ws:/wss: host.
    expect(csp).toContain(`connect-src 'self' ${stack.signalrUrl.replace(/^http/, 'ws')} ${idp.issuer};`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect((await fetch(`${stack.gatewayUrl}/api/home?name=mallory`)).status).toBe(404);
    // Without a token negotiate says why.
    const refused = await fetch(`${stack.gatewayUrl}/api/negotiate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"mallory"}' });
    expect(refused.status).toBe(401);
  });

  it("signs in through the provider's own login page (a wrong password first), shows the name, and chats", async () => {
    const alicePage = await newPage();
    const bearers = negotiateBearers(alicePage);
    await alicePage.goto(`${stack.gatewayUrl}/`);
    await alicePage.getByRole('button', { name: 'Sign in' }).waitFor();
    await alicePage.screenshot({ path: shot('oidc-sign-in-desktop') });
    await openProviderLogin(alicePage, stack.gatewayUrl, idp.issuer);
    await submitLogin(alicePage, 'alice', 'not-the-password');
    await alicePage.locator('.error', { hasText: 'Unknown user or wrong password.' }).waitFor();
    await alicePage.screenshot({ path: shot('oidc-provider-login-refused') });
    await submitLogin(alicePage, 'alice', 'alice-pw');
    await alicePage.waitForURL(`${stack.gatewayUrl}/`, { timeout: 60_000 });
    await alicePage.locator('.link-status[data-link="online"]').waitFor({ timeout: 60_000 });
    // The code left the address bar; the display name comes from the ID token, the user id from the gateway.
    expect(alicePage.url()).toBe(`${stack.gatewayUrl}/`);
    await expect(alicePage.locator('.signed-in').textContent()).resolves.toBe('Alice Liddell');
    await expect(alicePage.locator('.signed-in').getAttribute('title')).resolves.toBe('alice');
    const token = await storedAccessToken(alicePage, userKey);
    expect(bearers).toContain(`Bearer ${token}`);

    const bobPage = await newPage(PHONE);
    await signInWithProvider(bobPage, stack.gatewayUrl, idp.issuer, 'bob@parley.local', 'bob-pw');
    const alice = new ChatPageDriver(alicePage, 'alice');
    const bob = new ChatPageDriver(bobPage, 'bob');
    await alice.send('Signed in for real this time');
    await bob.waitMessage('Signed in for real this time');
    await bob.send('Same here, through the provider');
    await alice.waitMessage('Same here, through the provider');
    // Each sees the other's display name (the provider's `name`), never the id but in the tooltip.
    const aliceOnBobsPage = bob.message('Signed in for real this time').locator('.from');
    await expect(aliceOnBobsPage.textContent()).resolves.toBe('Alice Liddell');
    await expect(aliceOnBobsPage.getAttribute('title')).resolves.toBe('alice');
    await expect(alice.message('Same here, through the provider').locator('.from').textContent()).resolves.toBe('Bob Marley');
    await alicePage.locator('button.person[data-user="bob"]', { hasText: 'Bob Marley' }).waitFor({ timeout: 30_000 });
    await alice.systemLine('Bob Marley is online').waitFor({ timeout: 30_000 });
    await alice.screenshot(shot('oidc-chat-desktop'));
    await bob.screenshot(shot('oidc-chat-360'));
    await bobPage.context().close();

    // Renewal: the page trades its refresh token for a new access token before the old one expires…
    await expect.poll(() => storedAccessToken(alicePage, userKey), { timeout: 30_000 }).not.toBe(token);
    const renewed = await storedAccessToken(alicePage, userKey);
    // …and uses it: after a reload it negotiates with the renewed token and chats on.
    await alicePage.reload();
    await alice.waitOnline();
    const current = await storedAccessToken(alicePage, userKey);
    expect(bearers.at(-1)).toBe(`Bearer ${current}`);
    expect([renewed, current]).not.toContain(token);
    await alice.send('still here after the renewal');
    await alice.waitMessage('still here after the renewal', 'sent');

    // Sign out: the provider asks, ends its session, sends the browser back signed out.
    await alicePage.getByRole('button', { name: 'Sign out' }).click();
    await alicePage.waitForURL((url) => url.href.startsWith(idp.issuer), { timeout: 60_000 });
    await alicePage.screenshot({ path: shot('oidc-provider-sign-out') });
    await alicePage.locator('button[type="submit"]', { hasText: 'Sign out' }).click();
    await alicePage.waitForURL(`${stack.gatewayUrl}/`, { timeout: 60_000 });
    await alicePage.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 60_000 });
    await expect(alicePage.evaluate((k) => sessionStorage.getItem(k), userKey)).resolves.toBeNull();
    // Signing in again needs the password again: the provider's session ended too.
    await openProviderLogin(alicePage, stack.gatewayUrl, idp.issuer);
    await alicePage.locator('#password').waitFor();
    await alicePage.context().close();
  });

  describe('refuses, end to end, tokens the gateway must not accept, and the page says why', () => {
    let stranger: DevOidc;
    let page: Page;
    beforeAll(async () => {
      // Another real provider: its own issuer and keys.
      stranger = await startDevOidc({ redirectUris: [`${stack.gatewayUrl}/`] });
      // One real sign-in; each case then swaps the token the page holds and reloads.
      page = await newPage();
      await signInWithProvider(page, stack.gatewayUrl, idp.issuer, 'carol', 'carol-pw');
    });
    afterAll(async () => {
      await page?.context().close();
      await stranger?.close();
    });

    const cases: Array<[string, () => Promise<string>, RegExp]> = [
      ['a token from another issuer (its own keys)', () => stranger.mint({ sub: 'carol', audience: idp.audience }), /no key of the identity provider matches the token/],
      ['a token naming another issuer (the trusted key)', () => idp.mint({ sub: 'carol', issuer: 'https://login.evil.example' }), /token claim "iss" check failed: issued by another identity provider/],
      ['an expired token', () => idp.mint({ sub: 'carol', expiresInSeconds: -120 }), /token expired/],
      ['a token for another audience', () => idp.mint({ sub: 'carol', audience: 'api://someone-else' }), /token claim "aud" check failed: issued for another application/],
    ];

    it.each(cases)('%s', async (what, token, reason) => {
      await replaceStoredAccessToken(page, userKey, await token());
      await page.reload();
      const banner = page.locator('.link-banner[data-link="stopped"]');
      await banner.waitFor({ timeout: 60_000 });
      await expect(banner.textContent()).resolves.toMatch(reason);
      await expect(banner.textContent()).resolves.toContain('sign-in refused (401)');
      await page.getByRole('button', { name: 'Sign in again' }).waitFor();
      await page.screenshot({ path: shot(`oidc-refused-${what.split(' ').slice(0, 4).join('-').replace(/[^\w-]/g, '')}`) });
    });
  });

  it('saw no dialog, CSP violation or page error anywhere', () => {
    const all = watches.flatMap((w) => [...w.dialogs, ...w.cspViolations, ...w.errors]);
    if (all.length > 0) console.error(logs.slice(-50).join('\n'));
    expect(all).toEqual([]);
  });
});
