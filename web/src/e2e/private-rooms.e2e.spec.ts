import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_DIALECTS, type Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { DESKTOP, SKIP_MESSAGE, hasChromium, launchChromium, newWatchedPage, type PageWatch } from './browser.js';
import { buildPageForTests } from './build-page.js';
import { ChatPageDriver } from './chat-page.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const WAIT = { timeout: 60_000 } as const;

if (!hasChromium) console.warn(SKIP_MESSAGE);

for (const service of SERVICE_DIALECTS) describe.skipIf(!hasChromium)(`private rooms in a real browser against the whole local stack (${service})`, () => {
  let stack: Stack;
  let logs: string[];
  let cleanup: () => Promise<void>;
  let webRoot: string;
  let browser: Browser;
  const watches: PageWatch[] = [];
  const shot = (name: string) => `${ARTIFACTS}${name}${service === 'signalr' ? '' : `-${service}`}.png`;

  async function person(name: string): Promise<ChatPageDriver> {
    const { page, watch } = await newWatchedPage(browser, DESKTOP);
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

  it('creates a private room, refuses a non-member, lets an invited person in', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const mallory = await person('mallory');

    await alice.joinRoom('plans', { private: true });
    await alice.systemLine('You joined #plans').waitFor(WAIT);
    await alice.page.locator('.conversation-header .lock').waitFor(WAIT);
    await alice.conversationButton('room:plans').locator('.lock').waitFor(WAIT);
    await alice.send('the secret plan');
    await alice.waitMessage('the secret plan', 'sent');

    // mallory tries the same name: refused with the reason, and she stays outside.
    await mallory.joinRoom('plans');
    await mallory.systemLine('Could not join: room "plans" is private').waitFor(WAIT);
    await mallory.page.getByRole('button', { name: 'Join' }).last().waitFor(WAIT);
    await mallory.screenshot(shot('private-room-refused'));

    // alice adds bob: the room appears for him with its lock, with its history, and he can write.
    await alice.invite('bob');
    await alice.systemLine('alice added bob').waitFor(WAIT);
    await bob.open('room:plans');
    await bob.systemLine('alice added you to #plans').waitFor(WAIT);
    await bob.page.locator('.conversation-header .lock').waitFor(WAIT);
    await bob.waitMessage('the secret plan');
    await bob.send('count me in');
    await alice.waitMessage('count me in');
    await alice.screenshot(shot('private-room-desktop'));

    // Marker: mallory sees a lobby message sent after all of that, and nothing of the room.
    await alice.open('lobby');
    await alice.send('lobby marker');
    await mallory.open('lobby');
    await mallory.waitMessage('lobby marker');
    await mallory.open('room:plans');
    await expect(mallory.message('the secret plan').count()).resolves.toBe(0);
    await expect(mallory.message('count me in').count()).resolves.toBe(0);
    await expect(mallory.conversationButton('room:plans').locator('.lock').count()).resolves.toBe(0);
    await Promise.all([alice, bob, mallory].map((who) => who.page.context().close()));
  });

  it('saw no dialog, CSP violation or page error anywhere', () => {
    const all = watches.flatMap((w) => [...w.dialogs, ...w.cspViolations, ...w.errors]);
    if (all.length > 0) console.error(logs.slice(-50).join('\n'));
    expect(all).toEqual([]);
  });
});
