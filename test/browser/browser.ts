import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it), driven by playwright-core:
 * no browser download. CHROMIUM_PATH points elsewhere.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** Headless, and quiet on a closed network: no background connections, no component updates. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Opens a Switchboard page and signs in through its form (the shared kit's sign-in). */
export async function signedIn(browser: Browser, url: string, email: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(url);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#app', { state: 'visible' });
  return page;
}

/** Script errors the page threw (uncaught): a page that throws is broken even if it looks right. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/** Waits until the element's text is `wanted` (a string: exactly; a RegExp: matches). */
export async function waitForText(page: Page, selector: string, wanted: string | RegExp, timeout = 5_000): Promise<void> {
  const arg = typeof wanted === 'string' ? { selector, exact: wanted, source: null, flags: '' } : { selector, exact: null, source: wanted.source, flags: wanted.flags };
  await page
    .waitForFunction(
      (a) => {
        // Runs in the page (the DOM is not in this project's TypeScript lib).
        const text = ((globalThis as any).document.querySelector(a.selector)?.textContent ?? '') as string;
        return a.exact !== null ? text === a.exact : new RegExp(a.source as string, a.flags).test(text);
      },
      arg,
      { timeout },
    )
    .catch(async (err: Error) => {
      const seen = await page.textContent(selector).catch(() => null);
      throw new Error(`${selector}: wanted ${String(wanted)}, saw ${JSON.stringify(seen)} (${err.message.split('\n')[0]})`);
    });
}
