import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, SERVICE_DIALECTS, type Stack } from '@parley/stack';
import { DESKTOP, PHONE, SKIP_MESSAGE, hasChromium, launchChromium, newWatchedPage, type PageWatch } from './browser.js';
import { buildPageForTests } from './build-page.js';
import { ChatPageDriver, eventually } from './chat-page.js';
import { inviteWhenKnown } from './invite.js';
import { startTestStack } from '@parley/stack/e2e';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

if (!hasChromium) console.warn(SKIP_MESSAGE);

// The page speaks parley.chat.v1 to whichever WebSocket service negotiate names: both dialects run.
for (const service of SERVICE_DIALECTS) describe.skipIf(!hasChromium)(`the chat page in a real browser against the whole local stack (${service})`, () => {
  let stack: Stack;
  let logs: string[];
  let cleanup: () => Promise<void>;
  let webRoot: string;
  let browser: Browser;
  const watches: PageWatch[] = [];
  // The seed dialect keeps the plain names; the other gets a suffix, so neither overwrites the other.
  const shot = (name: string) => `${ARTIFACTS}${name}${service === 'signalr' ? '' : `-${service}`}.png`;

  async function person(name: string, viewport: { width: number; height: number } = DESKTOP): Promise<ChatPageDriver> {
    const { page, watch } = await newWatchedPage(browser, viewport);
    watches.push(watch);
    const driver = new ChatPageDriver(page, name);
    await driver.signIn(stack.gatewayUrl);
    return driver;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    webRoot = await buildPageForTests();
    ({ stack, logs, cleanup } = await startTestStack({ service, env: { gateway: { WEB_ROOT: webRoot } } }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
    if (webRoot) await rm(webRoot, { recursive: true, force: true });
  });

  it('is served with a strict CSP, no inline script or style, and signs in from a small form', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/home?name=alice`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);

    const { page, watch } = await newWatchedPage(browser, PHONE);
    watches.push(watch);
    await page.goto(`${stack.gatewayUrl}/`);
    await page.locator('#sign-in-name').fill('dora');
    await page.screenshot({ path: shot('sign-in-360') });
    await page.locator('#sign-in-name').press('Enter');
    await page.waitForURL(/\/api\/home\?name=dora$/);
    await page.locator('.link-status[data-link="online"]').waitFor({ timeout: 60_000 });
    await page.context().close();
  });

  it('lets two people chat in the lobby and privately', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    await alice.send('Hello everyone, bob here yet?');
    await alice.waitMessage('Hello everyone, bob here yet?', 'sent');
    await bob.waitMessage('Hello everyone, bob here yet?');
    await bob.send('Morning alice! Yes.\nTwo lines, thanks to Shift+Enter.');
    await alice.waitMessage('Morning alice! Yes.');

    // A private chat: bob picks alice from the online list; alice gets an unread mark.
    await bob.openDirect('alice');
    await bob.send('psst, a private word');
    await bob.waitMessage('psst, a private word', 'sent');
    await alice.conversationButton('dm:bob').locator('.badge').filter({ hasText: '1' }).waitFor({ timeout: 60_000 });
    await alice.screenshot(shot('lobby-desktop'));
    await alice.open('dm:bob');
    await alice.waitMessage('psst, a private word');
    await alice.send('got it');
    await bob.waitMessage('got it');
    await expect(alice.conversationButton('dm:bob').locator('.badge').count()).resolves.toBe(0);
    await alice.page.locator('.history-edge', { hasText: 'This is the start of @bob.' }).waitFor({ timeout: 60_000 });
    await alice.screenshot(shot('direct-desktop'));

    // Written to while away: the direct chat is in the sidebar at sign-in, its new message counted.
    await alice.page.context().close();
    await bob.send('one more, while you were away');
    await bob.waitMessage('one more, while you were away', 'sent');
    const aliceAgain = await person('alice');
    await aliceAgain.conversationButton('dm:bob').locator('.badge').filter({ hasText: /^1$/ }).waitFor({ timeout: 60_000 });
    await Promise.all([aliceAgain.page.context().close(), bob.page.context().close()]);
  });

  it('runs a room: create, invite, talk, leave — also at 360 px', async () => {
    const alice = await person('alice');
    const carol = await person('carol', PHONE);
    await alice.joinRoom('design');
    await alice.systemLine('You joined #design').waitFor({ timeout: 60_000 });
    await alice.invite('carol');
    await alice.systemLine('carol').first().waitFor({ timeout: 60_000 });

    // carol sees the room appear with an unread mark, behind the menu button on a phone.
    await carol.page.locator('.menu-button .badge').waitFor({ timeout: 60_000 });
    await carol.screenshot(shot('conversation-360'));
    await carol.showSidebar();
    await carol.conversationButton('room:design').locator('.badge').waitFor({ timeout: 60_000 });
    await carol.screenshot(shot('sidebar-360'));
    await carol.open('room:design');
    await carol.systemLine('alice added you to #design').waitFor();
    await carol.send('Thanks for adding me! Here is a very long word to wrap: ' + 'supercalifragilistic'.repeat(12));
    await alice.waitMessage('Thanks for adding me!');
    await carol.waitMessage('Thanks for adding me!', 'sent');
    await carol.page.locator('.history-edge', { hasText: 'This is the start of #design.' }).waitFor({ timeout: 60_000 });
    const overflow = await carol.page.locator('.lines').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await carol.screenshot(shot('room-360'));
    await alice.screenshot(shot('room-desktop'));

    await carol.leave();
    await carol.page.locator('.conversation-header h2', { hasText: 'Lobby' }).waitFor();
    await alice.systemLine('carol left').waitFor({ timeout: 60_000 });
    await Promise.all([alice.page.context().close(), carol.page.context().close()]);
  });

  it('loads history on opening a chat and older pages on scrolling up', async () => {
    // erin fills a room over a plain WebSocket client, then adds alice.
    const erin = await ChatClient.connect(stack.gatewayUrl, 'erin');
    await erin.request({ type: 'join', id: 'e-join', room: 'archive' });
    for (let i = 1; i <= 65; i++) {
      const ack = await erin.request({ type: 'send', id: `e-${i}`, room: 'archive', text: `archived note ${i}` });
      if (!ack.ok) throw new Error(`send ${i} refused: ${JSON.stringify(ack)}`);
      await new Promise((resolve) => setTimeout(resolve, 110)); // under the gateway's rate limit
    }
    const alice = await person('alice');
    await inviteWhenKnown(erin, 'archive', 'alice');
    await alice.open('room:archive');
    await alice.waitMessage('archived note 65');
    await expect(alice.message('archived note 1', true).count()).resolves.toBe(0);
    await eventually(async () => {
      await alice.page.locator('.lines-scroller').evaluate((el) => el.scrollTo(0, 0));
      expect(await alice.message('archived note 1', true).count()).toBe(1);
    });
    await alice.page.locator('.history-edge', { hasText: 'This is the start of #archive.' }).waitFor();
    await expect(alice.page.locator('.lines .line.message').count()).resolves.toBe(65);
    await erin.close();
    await alice.page.context().close();
  });

  it('shows markup as text and runs none of it', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const evil = '<img src=x onerror=alert(1)>';
    await alice.send(evil);
    for (const who of [alice, bob]) {
      const row = await who.waitMessage(evil);
      await expect(row.first().locator('.text').textContent()).resolves.toBe(evil);
      await expect(who.page.locator('.lines img').count()).resolves.toBe(0);
    }
    await bob.screenshot(shot('markup-as-text-desktop'));
    await Promise.all([alice.page.context().close(), bob.page.context().close()]);
  });

  it('recovers after the WebSocket service restarts and delivers the un-acked message once', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    // One message in flight as the service dies (its ack may or may not have
    // come back), one written while it is down: both must arrive exactly once.
    const inFlight = `in flight as the service died ${Date.now()}`;
    const whileDown = `sent while the service was down ${Date.now()}`;
    await alice.send(inFlight);
    await stack.kill('signalr');
    await alice.page.locator('.link-status[data-link="reconnecting"]').waitFor({ timeout: 60_000 });
    await alice.send(whileDown);
    await alice.waitMessage(whileDown, 'pending');
    await alice.screenshot(shot('reconnecting-desktop'));
    await stack.start('signalr');

    await alice.waitOnline();
    await bob.waitOnline();
    for (const text of [inFlight, whileDown]) {
      await alice.waitMessage(text, 'sent');
      await bob.waitMessage(text);
    }
    // Give duplicates (a resend, a history refresh) time to show up, then count.
    await alice.send('after the restart');
    await bob.waitMessage('after the restart');
    await eventually(async () => {
      for (const who of [alice, bob]) {
        expect(await who.message(inFlight).count()).toBe(1);
        expect(await who.message(whileDown).count()).toBe(1);
      }
    }, 5_000);
    await Promise.all([alice.page.context().close(), bob.page.context().close()]);
  });

  it('saw no dialog, CSP violation or page error anywhere', () => {
    const all = watches.flatMap((w) => [...w.dialogs, ...w.cspViolations, ...w.errors]);
    if (all.length > 0) console.error(logs.slice(-50).join('\n'));
    expect(all).toEqual([]);
  });
});
