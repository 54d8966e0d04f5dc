import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export interface Person {
  context: BrowserContext;
  page: Page;
}

/** A fresh browser context (its own cookies: one person), optionally signed in through the UI. */
export async function person(browser: Browser, account?: { login: string; password: string }, viewport = { width: 1440, height: 900 }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  if (account) await signIn(page, account);
  return { context, page };
}

export async function signIn(page: Page, account: { login: string; password: string }, returnTo = '/') {
  await page.goto(`/login?return=${encodeURIComponent(returnTo)}`);
  await page.getByLabel('Username or email').fill(account.login);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** The video's current time, in seconds. */
export function currentTime(page: Page): Promise<number> {
  return page.getByTestId('player').evaluate((v) => (v as HTMLVideoElement).currentTime);
}

/** Waits until the video plays: its current time advances by at least `seconds`. */
export async function expectPlaying(page: Page, seconds = 1.5) {
  await expect.poll(() => currentTime(page), { timeout: 45_000, message: 'the video starts' }).toBeGreaterThan(0);
  const t0 = await currentTime(page);
  await expect.poll(() => currentTime(page), { timeout: 30_000, message: 'the video keeps playing' }).toBeGreaterThan(t0 + seconds);
}

export async function sendChat(page: Page, text: string) {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** A chat message shown in `page` with exactly this text. */
export function chatMessage(page: Page, text: string) {
  return page.getByTestId('chat-message').filter({ has: page.locator('.chat-text', { hasText: text }) });
}
