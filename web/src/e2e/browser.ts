import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium. Missing, the browser tests fail (CI must not go green without them) unless a developer opts out outside CI. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && (process.env.CI || process.env.PARLEY_SKIP_BROWSER_TESTS !== '1')) {
  throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (outside CI, PARLEY_SKIP_BROWSER_TESTS=1 skips the browser tests)`);
}
export const SKIP_MESSAGE = `browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`;

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 360, height: 740 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What a page did that a test must see: dialogs (none may open), CSP violations, page errors. */
export interface PageWatch {
  readonly dialogs: string[];
  readonly cspViolations: string[];
  readonly errors: string[];
}

export async function newWatchedPage(browser: Browser, viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  // Reduced motion: the drawer does not slide, so screenshots show where it ends up.
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const watch: PageWatch = { dialogs: [], cspViolations: [], errors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) watch.cspViolations.push(message.text());
  });
  return { context, page, watch };
}
