import type { Locator } from 'playwright-core';
import { ChatPageDriver } from './chat-page.js';

const WAIT = { timeout: 60_000 } as const;

/** The chat page driver, plus the controls of edits, replies, reactions, members and the directory. */
export class FeaturesDriver extends ChatPageDriver {
  get composer(): Locator {
    return this.page.locator('#composer-text');
  }

  get composerForm(): Locator {
    return this.page.locator('form.composer');
  }

  /** A message's action button (Reply, React, Edit, Delete), shown when the row is hovered or focused within. */
  async messageAction(row: Locator, label: RegExp | string): Promise<Locator> {
    await row.first().hover();
    const button = row.first().locator('.message-actions button', { hasText: label });
    await button.waitFor(WAIT);
    return button;
  }

  async reply(text: string): Promise<void> {
    await (await this.messageAction(this.message(text), 'Reply')).click();
    await this.page.locator('form.composer[data-mode="reply"]').waitFor(WAIT);
  }

  async react(text: string, emoji: string): Promise<void> {
    await (await this.messageAction(this.message(text), 'React')).click();
    await this.page.locator(`.emoji-picker [data-emoji="${emoji}"]`).click();
  }

  chip(text: string, emoji: string): Locator {
    return this.message(text).locator(`.chip[data-emoji="${emoji}"]`);
  }

  async openMembers(): Promise<void> {
    if ((await this.page.locator('.members-toggle').getAttribute('aria-expanded')) !== 'true') await this.page.locator('.members-toggle').click();
    await this.page.locator('.members-panel').waitFor(WAIT);
  }

  member(user: string): Locator {
    return this.page.locator(`.members-panel .member[data-user="${user}"]`);
  }

  async moderate(user: string, action: string): Promise<void> {
    await this.openMembers();
    const row = this.member(user);
    await row.waitFor(WAIT);
    const manage = row.locator('button.manage');
    if ((await manage.getAttribute('aria-expanded')) !== 'true') await manage.click();
    await row.locator('.member-actions button', { hasText: action }).click();
  }

  async browseRooms(): Promise<void> {
    await this.showSidebar();
    await this.page.getByRole('button', { name: 'Browse rooms' }).click();
    await this.page.locator('#directory-search').waitFor(WAIT);
  }

  typingLine(): Locator {
    return this.page.locator('.typing-line');
  }
}
