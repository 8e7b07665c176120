import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, SERVICE_DIALECTS, type Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { axeProblems } from './axe.js';
import { DESKTOP, SKIP_MESSAGE, hasChromium, launchChromium, newWatchedPage, type PageWatch } from './browser.js';
import { buildPageForTests } from './build-page.js';
import { eventually } from './chat-page.js';
import { FeaturesDriver } from './features-page.js';
import { inviteWhenKnown } from './invite.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const PHONE_390 = { width: 390, height: 844 } as const;
const WAIT = { timeout: 60_000 } as const;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!hasChromium) console.warn(SKIP_MESSAGE);

// Edits, replies, reactions, typing, read state, mentions, members, moderation and the directory,
// through the page's own controls, in both WebSocket dialects; axe-core checks every view.
for (const service of SERVICE_DIALECTS) describe.skipIf(!hasChromium)(`chat features in a real browser (${service})`, () => {
  let stack: Stack;
  let logs: string[];
  let cleanup: () => Promise<void>;
  let webRoot: string;
  let browser: Browser;
  const watches: PageWatch[] = [];
  const shot = (name: string) => `${ARTIFACTS}${name}${service === 'signalr' ? '' : `-${service}`}.png`;

  async function person(name: string, viewport: { width: number; height: number } = DESKTOP): Promise<FeaturesDriver> {
    const { page, watch } = await newWatchedPage(browser, viewport);
    watches.push(watch);
    const driver = new FeaturesDriver(page, name);
    await driver.signIn(stack.gatewayUrl);
    return driver;
  }

  /** `owner` creates the room and adds the others; everyone ends up looking at it. */
  async function roomWith(room: string, owner: FeaturesDriver, others: FeaturesDriver[]): Promise<void> {
    await owner.joinRoom(room);
    await owner.systemLine(`You joined #${room}`).waitFor(WAIT);
    for (const other of others) {
      await owner.invite(other.name);
      await owner.systemLine(`added ${other.name}`).waitFor(WAIT);
      await other.open(`room:${room}`);
    }
  }

  async function expectAccessible(who: FeaturesDriver, view: string): Promise<void> {
    const problems = await axeProblems(who.page);
    expect(problems, `axe: serious or critical violations in ${view}`).toEqual([]);
  }

  const close = (...people: FeaturesDriver[]) => Promise.all(people.map((p) => p.page.context().close()));

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

  it('edits the last own message with Up (Escape cancels), deletes one, and shows both live', async () => {
    const alice = await person('alice');
    const bob = await person('bob', PHONE_390);
    await roomWith('edits', alice, [bob]);
    await alice.send('teh first draft');
    await bob.waitMessage('teh first draft');

    await alice.composer.focus();
    await alice.composer.press('ArrowUp');
    await alice.page.locator('form.composer[data-mode="edit"]').waitFor(WAIT);
    await expect(alice.composer.inputValue()).resolves.toBe('teh first draft');
    await alice.composer.press('Escape');
    await alice.page.locator('form.composer[data-mode="send"]').waitFor(WAIT);
    await expect(alice.composer.inputValue()).resolves.toBe('');
    await alice.composer.press('ArrowUp');
    await alice.composer.fill('the first draft');
    await alice.screenshot(shot('edit-mode-desktop'));
    await expectAccessible(alice, 'edit mode (desktop)');
    await alice.composer.press('Enter');
    const edited = bob.message('the first draft').locator('.edited');
    await edited.waitFor(WAIT);
    await expect(edited.getAttribute('title')).resolves.toMatch(/^Edited /);
    await alice.message('the first draft').locator('.edited').waitFor(WAIT);

    // A plain member may not delete someone else's message: the page does not offer it.
    await bob.message('the first draft').first().hover();
    await expect(bob.message('the first draft').locator('.message-actions button', { hasText: 'Delete' }).count()).resolves.toBe(0);

    await alice.send('to be taken back');
    await bob.waitMessage('to be taken back');
    await (await alice.messageAction(alice.message('to be taken back'), 'Delete')).click();
    await alice.page.locator('[data-confirm-delete]').click();
    for (const who of [alice, bob]) {
      await who.page.locator('.line.message.deleted .deleted-text', { hasText: 'message deleted' }).waitFor(WAIT);
      await expect(who.message('to be taken back').count()).resolves.toBe(0);
    }
    await bob.send('typed on a phone');
    await alice.waitMessage('typed on a phone');
    await bob.composer.press('ArrowUp');
    await bob.page.locator('form.composer[data-mode="edit"]').waitFor(WAIT);
    await bob.screenshot(shot('edit-mode-390'));
    await expectAccessible(bob, 'edit mode (390 px)');
    await bob.composer.press('Escape');
    await alice.screenshot(shot('edited-deleted-desktop'));
    await bob.screenshot(shot('edited-deleted-390'));
    await close(alice, bob);
  });

  it('replies with a quote, and jumps to the quoted message through older history', async () => {
    // erin writes the question, then enough to push it past the first history page, then answers it.
    const erin = await ChatClient.connect(stack.gatewayUrl, 'erin');
    await erin.request({ type: 'join', id: 'r-join', room: 'replies' });
    await erin.request({ type: 'send', id: 'r-q', room: 'replies', text: 'the original question' });
    const question = await erin.waitFor((f) => f.type === 'message' && f.clientId === 'r-q');
    for (let i = 1; i <= 60; i++) {
      const ack = await erin.request({ type: 'send', id: `r-${i}`, room: 'replies', text: `filler ${i}` });
      if (!ack.ok) throw new Error(`send ${i} refused: ${JSON.stringify(ack)}`);
      await pause(110); // under the gateway's rate limit
    }
    const answer = await erin.request({ type: 'send', id: 'r-a', room: 'replies', text: 'about that question', replyTo: String(question.id) });
    expect(answer.ok).toBe(true);
    const fred = await person('fred');
    const gina = await person('gina', PHONE_390);
    for (const who of ['fred', 'gina']) await inviteWhenKnown(erin, 'replies', who);

    for (const who of [fred, gina]) {
      await who.open('room:replies');
      const reply = await who.waitMessage('about that question');
      await expect(reply.locator('.quote').textContent()).resolves.toContain('the original question');
      await expect(who.message('the original question', true).count()).resolves.toBe(0);
      await reply.locator('.quote').click();
      const original = who.page.locator('.line.message.highlighted', { hasText: 'the original question' });
      await original.waitFor(WAIT);
      await who.screenshot(shot(`reply-jump-${who === fred ? 'desktop' : '390'}`));
    }

    await fred.page.locator('.lines-scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await fred.reply('about that question');
    await expect(fred.page.locator('.composer-context').textContent()).resolves.toContain('Replying to erin');
    await fred.composer.press('Escape');
    await fred.page.locator('form.composer[data-mode="send"]').waitFor(WAIT);
    await fred.reply('about that question');
    await fred.composer.fill('I can answer that');
    await fred.screenshot(shot('reply-mode-desktop'));
    await expectAccessible(fred, 'reply mode (desktop)');
    await fred.composer.press('Enter');
    const sent = await gina.waitMessage('I can answer that');
    await expect(sent.locator('.quote').textContent()).resolves.toContain('about that question');
    await gina.page.locator('.lines-scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await gina.reply('I can answer that');
    await gina.screenshot(shot('reply-mode-390'));
    await expectAccessible(gina, 'reply mode (390 px)');
    await gina.composer.press('Escape');
    await erin.close();
    await close(fred, gina);
  });

  it('reacts from the picker, toggles a reaction from its chip, and names who reacted', async () => {
    const hank = await person('hank');
    const iris = await person('iris', PHONE_390);
    await roomWith('reactions', hank, [iris]);
    await hank.send('ship it?');
    await iris.waitMessage('ship it?');
    await (await iris.messageAction(iris.message('ship it?'), 'React')).click();
    await iris.page.locator('.emoji-picker').waitFor(WAIT);
    await iris.screenshot(shot('reaction-picker-390'));
    await expectAccessible(iris, 'reaction picker (390 px)');
    await iris.page.keyboard.press('Escape');
    await expect(iris.page.locator('.emoji-picker').count()).resolves.toBe(0);
    await iris.react('ship it?', 'rocket');

    const chip = hank.chip('ship it?', 'rocket');
    await chip.waitFor(WAIT);
    await expect(chip.getAttribute('aria-pressed')).resolves.toBe('false');
    await chip.click();
    await eventually(async () => {
      expect(await chip.locator('.count').textContent()).toBe('2');
      expect(await chip.getAttribute('aria-pressed')).toBe('true');
    });
    await expect(chip.getAttribute('title')).resolves.toMatch(/^(you, iris|iris, you) reacted with rocket$/);
    await hank.react('ship it?', 'tada');
    await iris.chip('ship it?', 'tada').waitFor(WAIT);
    await hank.screenshot(shot('reactions-desktop'));
    await iris.screenshot(shot('reactions-390'));

    // iris takes hers back: the count follows everywhere.
    await iris.chip('ship it?', 'rocket').click();
    await eventually(async () => expect(await chip.locator('.count').textContent()).toBe('1'));
    await close(hank, iris);
  });

  it('says who is typing, and stops when their message arrives or after 6 s', async () => {
    const jack = await person('jack');
    const kate = await person('kate', PHONE_390);
    const liam = await person('liam');
    await roomWith('typing', jack, [kate, liam]);
    await kate.composer.pressSequentially('hello the', { delay: 50 });
    await jack.typingLine().filter({ hasText: 'kate is typing…' }).waitFor(WAIT);
    await liam.composer.pressSequentially('me', { delay: 50 });
    await jack.typingLine().filter({ hasText: /^(kate and liam|liam and kate) are typing…$/ }).waitFor(WAIT);
    await jack.screenshot(shot('typing-desktop'));
    await kate.composer.fill('hello there');
    await kate.composer.press('Enter');
    await jack.waitMessage('hello there');
    await expect(jack.typingLine().textContent()).resolves.not.toContain('kate');
    // liam stopped typing: his notice goes by itself (6 s after his last frame).
    await eventually(async () => expect(await jack.typingLine().textContent()).toBe(''), 15_000);
    await jack.composer.pressSequentially('on my way', { delay: 50 });
    await kate.typingLine().filter({ hasText: 'jack is typing…' }).waitFor(WAIT);
    await kate.screenshot(shot('typing-390'));

    // A direct chat too.
    await kate.openDirect('liam');
    await kate.composer.pressSequentially('psst', { delay: 50 });
    await liam.open('dm:kate');
    await liam.typingLine().filter({ hasText: 'kate is typing…' }).waitFor(WAIT);
    await close(jack, kate, liam);
  });

  it('counts unread and mentions per conversation and in the title, clears them on every device, and says who has seen', async () => {
    const mona = await person('mona', PHONE_390);
    const nick = await person('nick');
    await roomWith('reads', mona, [nick]);
    await nick.open('lobby');
    const nickPhone = await person('nick', PHONE_390);
    await mona.send('a plain line');
    await mona.send('@nick look at this');
    for (const device of [nick, nickPhone]) {
      await device.showSidebar();
      await device.conversationButton('room:reads').locator('.badge:not(.mention-badge)').filter({ hasText: '2' }).waitFor(WAIT);
      await device.conversationButton('room:reads').locator('.mention-badge').filter({ hasText: '@1' }).waitFor(WAIT);
    }
    await eventually(async () => expect(await nick.page.title()).toBe('(2) Parley'));
    await nick.screenshot(shot('unread-desktop'));
    await nickPhone.screenshot(shot('unread-390'));

    await nick.open('room:reads');
    const mention = nick.message('look at this').locator('.mention.me');
    await expect(mention.textContent()).resolves.toBe('@nick');
    await nick.screenshot(shot('mentions-desktop'));
    // Reading on one device clears the badge on the other.
    await eventually(async () => {
      expect(await nickPhone.conversationButton('room:reads').locator('.badge').count()).toBe(0);
      expect(await nickPhone.page.title()).toBe('Parley');
    });
    await mona.message('look at this').locator('.seen-by', { hasText: 'Seen by nick' }).waitFor(WAIT);
    await mona.screenshot(shot('seen-by-390'));
    await expectAccessible(nick, 'chat with mentions (desktop)');
    await close(mona, nick, nickPhone);
  });

  it('lists members with roles and presence, and lets the owner and moderators keep order', async () => {
    const olga = await person('olga');
    const paul = await person('paul', PHONE_390);
    const quinn = await person('quinn');
    await roomWith('order', olga, [paul, quinn]);
    await olga.openMembers();
    for (const [user, role] of [['olga', 'owner'], ['paul', null], ['quinn', null]] as const) {
      const row = olga.member(user);
      await row.waitFor(WAIT);
      await row.locator('.presence.online').waitFor(WAIT);
      if (role) await row.locator(`.role[data-role="${role}"]`).waitFor(WAIT);
    }
    await olga.screenshot(shot('members-desktop'));
    await expectAccessible(olga, 'members panel (desktop)');
    // By keyboard: Escape closes the panel and gives the focus back to its button; Enter opens it again.
    await olga.page.keyboard.press('Escape');
    await expect(olga.page.locator('.members-panel').count()).resolves.toBe(0);
    await expect(olga.page.evaluate(() => document.activeElement?.classList.contains('members-toggle'))).resolves.toBe(true);
    await olga.page.keyboard.press('Enter');
    await olga.page.locator('.members-panel').waitFor(WAIT);

    await olga.moderate('paul', 'Make moderator');
    await olga.member('paul').locator('.role[data-role="moderator"]').waitFor(WAIT);
    await paul.systemLine('olga made you a moderator').waitFor(WAIT);
    await paul.openMembers();
    await paul.member('quinn').locator('button.manage').waitFor(WAIT);
    await expect(paul.member('olga').locator('button.manage').count()).resolves.toBe(0);
    await paul.screenshot(shot('members-390'));
    await expectAccessible(paul, 'members panel (390 px)');

    // A moderator mutes quinn: quinn's message is refused, in words; the mute is lifted.
    await paul.moderate('quinn', 'Mute 10 min');
    await quinn.systemLine('paul muted you until').waitFor(WAIT);
    await olga.member('quinn').locator('.muted-mark').waitFor(WAIT);
    await quinn.send('can I still talk?');
    await quinn.page.locator('.line.message.failed .line-error', { hasText: 'you are muted here' }).waitFor(WAIT);
    await paul.moderate('quinn', 'Lift mute');
    await quinn.systemLine('paul lifted the mute on you').waitFor(WAIT);
    await quinn.send('back again');
    await olga.waitMessage('back again');
    // A moderator may delete anyone's message in the room.
    await paul.page.getByRole('button', { name: 'Close the member list' }).click();
    await paul.waitMessage('back again');
    await (await paul.messageAction(paul.message('back again'), 'Delete')).click();
    await paul.page.locator('[data-confirm-delete]').click();
    await olga.page.locator('.line.message.deleted .deleted-text').waitFor(WAIT);

    // The owner bans quinn: the room says so, quinn is out and cannot come back until the ban is lifted.
    await olga.moderate('quinn', 'Ban');
    await olga.systemLine('You banned quinn from #order').waitFor(WAIT);
    await quinn.systemLine('olga banned you from #order').waitFor(WAIT);
    await quinn.page.locator('.composer.not-member').waitFor(WAIT);
    await quinn.screenshot(shot('moderation-banned-desktop'));
    await quinn.page.locator('.composer.not-member button', { hasText: 'Join' }).click();
    await quinn.systemLine('Could not join').waitFor(WAIT);
    await olga.page.locator('[data-banned="quinn"]').waitFor(WAIT);
    await olga.screenshot(shot('moderation-desktop'));
    await olga.page.getByRole('button', { name: 'Lift ban: quinn' }).click();
    await olga.systemLine('You lifted the ban on quinn').waitFor(WAIT);
    await close(olga, paul, quinn);
  });

  it('browses public rooms by prefix as one types, pages, and joins from the list', async () => {
    const rita = await ChatClient.connect(stack.gatewayUrl, 'rita');
    for (let i = 0; i < 22; i++) {
      await rita.request({ type: 'join', id: `d-${i}`, room: `dir-${String(i).padStart(2, '0')}` });
      await pause(110);
    }
    await rita.request({ type: 'join', id: 'd-secret', room: 'dir-secret', private: true });
    const sam = await person('sam');
    const tess = await person('tess', PHONE_390);

    await sam.browseRooms();
    await sam.page.locator('#directory-search').pressSequentially('dir-', { delay: 30 });
    await eventually(async () => expect(await sam.page.locator('.directory-room').count()).toBe(20));
    await sam.page.getByRole('button', { name: 'More rooms' }).click();
    await eventually(async () => expect(await sam.page.locator('.directory-room').count()).toBe(22));
    await expect(sam.page.locator('[data-room="dir-secret"]').count()).resolves.toBe(0);
    await expect(sam.page.locator('[data-room="dir-07"]').textContent()).resolves.toContain('1 member');
    await sam.page.locator('.directory-body').evaluate((el) => el.scrollTo(0, 0));
    await sam.screenshot(shot('directory-desktop'));
    await expectAccessible(sam, 'directory (desktop)');
    await sam.page.keyboard.press('Escape');
    await sam.page.locator('#composer-text:focus').waitFor(WAIT);

    await tess.browseRooms();
    await tess.page.locator('#directory-search').pressSequentially('dir-1', { delay: 30 });
    await eventually(async () => expect(await tess.page.locator('.directory-room').count()).toBe(10));
    await tess.screenshot(shot('directory-390'));
    await expectAccessible(tess, 'directory (390 px)');
    await tess.page.getByRole('button', { name: 'Join #dir-15' }).click();
    await tess.page.locator('.conversation-header h2', { hasText: '#dir-15' }).waitFor(WAIT);
    await tess.systemLine('You joined #dir-15').waitFor(WAIT);
    await expectAccessible(tess, 'chat (390 px)');
    await rita.close();
    await close(sam, tess);
  });

  it('saw no dialog, CSP violation or page error anywhere', () => {
    const all = watches.flatMap((w) => [...w.dialogs, ...w.cspViolations, ...w.errors]);
    if (all.length > 0) console.error(logs.slice(-50).join('\n'));
    expect(all).toEqual([]);
  });
});
