import type { Locator, Page } from 'playwright-core';

const WAIT = { timeout: 60_000 } as const;

/** Drives the chat page the way a person would: through visible controls only. */
export class ChatPageDriver {
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  async signIn(gatewayUrl: string): Promise<void> {
    await this.page.goto(`${gatewayUrl}/api/home?name=${encodeURIComponent(this.name)}`);
    await this.waitOnline();
  }

  async waitOnline(): Promise<void> {
    await this.page.locator('.link-status[data-link="online"]').waitFor(WAIT);
  }

  get narrow(): Promise<boolean> {
    return this.page.locator('.menu-button').isVisible();
  }

  async showSidebar(): Promise<void> {
    if ((await this.narrow) && (await this.page.locator('.menu-button').getAttribute('aria-expanded')) !== 'true') {
      await this.page.locator('.menu-button').click();
    }
    await this.page.locator('.sidebar').waitFor({ state: 'visible', ...WAIT });
  }

  conversationButton(key: string): Locator {
    return this.page.locator(`.conversation-button[data-key="${key}"]`);
  }

  async open(key: string): Promise<void> {
    await this.showSidebar();
    // A room someone else added us to appears when their event arrives: wait as long as for a message.
    await this.conversationButton(key).waitFor(WAIT);
    await this.conversationButton(key).click();
    await this.page.locator('.conversation-header h2').filter({ hasText: titleOf(key) }).waitFor(WAIT);
  }

  async openDirect(user: string): Promise<void> {
    await this.showSidebar();
    await this.page.locator('button.person', { hasText: user }).click();
    await this.page.locator('.conversation-header h2').filter({ hasText: `@${user}` }).waitFor(WAIT);
  }

  async send(text: string): Promise<void> {
    const box = this.page.locator('#composer-text');
    await box.fill(text);
    await box.press('Enter');
  }

  async joinRoom(room: string, options: { private?: boolean } = {}): Promise<void> {
    await this.showSidebar();
    await this.page.locator('#join-room').fill(room);
    if (options.private === true) await this.page.locator('#join-private').check();
    await this.page.locator('#join-room').press('Enter');
    await this.page.locator('.conversation-header h2').filter({ hasText: `#${room}` }).waitFor(WAIT);
  }

  async invite(user: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Add person' }).click();
    await this.page.locator('#invite-user').fill(user);
    await this.page.locator('#invite-user').press('Enter');
  }

  async leave(): Promise<void> {
    await this.page.getByRole('button', { name: 'Leave' }).click();
  }

  /** Message rows of the open conversation whose text holds `text` (or is exactly `text`). */
  message(text: string, exact = false): Locator {
    const hasText = exact ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text;
    return this.page.locator('.lines .line.message').filter({ has: this.page.locator('.text', { hasText }) });
  }

  systemLine(text: string): Locator {
    return this.page.locator('.lines .line.system', { hasText: text });
  }

  async waitMessage(text: string, state?: 'pending' | 'sent' | 'failed'): Promise<Locator> {
    const row = state ? this.message(text).and(this.page.locator(`[data-state="${state}"]`)) : this.message(text);
    await row.first().waitFor(WAIT);
    return row;
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: false });
  }
}

export function titleOf(key: string): string {
  if (key.startsWith('room:')) return `#${key.slice(5)}`;
  if (key.startsWith('dm:')) return `@${key.slice(3)}`;
  return 'Lobby';
}

/** Polls until `check` passes (or throws its last failure after `timeoutMs`). */
export async function eventually(check: () => Promise<void>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
