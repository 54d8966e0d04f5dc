import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { publish } from './publisher';

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
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
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

/** The host creates a show in the console and points a real encoder (ffmpeg) at the RTMP URL and
 * key it shows (or at `rtmpServer`); resolves once the console shows it live. `accessPrice`
 * (e.g. "4.99", USD) makes it a paid show. */
export async function goLive(page: Page, show: { title: string; description?: string; tags?: string; accessPrice?: string }, rtmpServer?: string) {
  await page.goto('/host');
  const form = page.getByRole('form', { name: 'Create a show' });
  await form.getByLabel('Title *').fill(show.title);
  if (show.description) await form.getByLabel('Description').fill(show.description);
  if (show.tags) await form.getByLabel('Tags').fill(show.tags);
  if (show.accessPrice) {
    await form.getByLabel('Paid show (viewers buy an access pass)').check();
    await form.getByLabel('Access price *').fill(show.accessPrice);
  }
  await form.getByRole('button', { name: 'Create show' }).click();
  await expect(page).toHaveURL(/\/host\/streams\/str_/);
  const streamId = page.url().split('/').pop() ?? '';
  // the key is shown once, masked until asked
  const setup = page.getByRole('region', { name: 'Encoder setup' });
  await setup.getByRole('button', { name: 'Show' }).first().click();
  const key = (await setup.getByLabel('Stream key', { exact: true }).innerText()).trim();
  const server = rtmpServer ?? (await setup.getByLabel('RTMP server', { exact: true }).innerText()).trim();
  expect(key).toMatch(/^sk_/);
  const encoder = publish(`${server.replace(/\/$/, '')}/${key}`);
  await expect(page.locator('.badge-live').first()).toBeVisible({ timeout: 60_000 });
  await expect(setup.getByText(/Encoder connected/)).toBeVisible({ timeout: 20_000 });
  return { streamId, encoder };
}

/** The host drops a product from the console's "Add a product" dialog (listed now and pinned):
 * fixed price with `price` and `stock`, or an auction lot with a `startingBid`. */
export async function addProduct(page: Page, productType: string, p: { title: string; size: number } & ({ price: string; stock: number } | { startingBid: string; auctionSeconds: number })) {
  await page.getByRole('button', { name: '+ Add product' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a product' });
  await expect(dialog).toBeVisible();
  // the dialog loads the host's shipping profiles first: then it either offers to make one (a
  // host's first product) or has one chosen; deciding before they load would skip the offer
  const quick = dialog.getByRole('button', { name: 'Create shipping profile' });
  const profile = dialog.getByLabel('Shipping profile *');
  await expect
    .poll(async () => (await quick.isVisible()) || (await profile.inputValue()) !== '', { message: "the host's shipping profiles load" })
    .toBe(true);
  if (await quick.isVisible()) {
    await quick.click();
    await expect(profile).not.toHaveValue('');
  }
  await dialog.getByLabel('Product type').selectOption({ label: productType });
  if ('startingBid' in p) {
    await dialog.getByLabel('Sale mode').selectOption({ label: 'Auction' });
    await dialog.getByLabel('Starting bid *').fill(p.startingBid);
    await dialog.getByLabel('Length (seconds)').fill(String(p.auctionSeconds));
  } else {
    await dialog.getByLabel('Price *').fill(p.price);
    await dialog.getByLabel('Stock *').fill(String(p.stock));
  }
  await dialog.getByLabel('Title *').fill(p.title);
  await dialog.getByLabel(/^Size/).fill(String(p.size));
  await expect(dialog.getByText('✓ Looks good')).toBeVisible();
  await dialog.getByRole('button', { name: 'Create and drop' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('host-product').filter({ hasText: p.title });
  await expect(row).toBeVisible();
  return row;
}

/** Fills the checkout dialog's address and test card, pays, and returns to the show once the
 * order is confirmed. */
export async function payInCheckout(page: Page, dialog: Locator) {
  await dialog.getByLabel('Full name').fill('Vera Viewer');
  await dialog.getByLabel('Address', { exact: true }).fill('1 Market Street');
  await dialog.getByLabel('City', { exact: true }).fill('Springfield');
  await dialog.getByLabel('Postal code').fill('12345');
  await dialog.getByLabel('State / region (optional)').fill('IL');
  await dialog.getByLabel('Country').selectOption('US');
  await dialog.getByLabel('Payment (test mode)').selectOption('pm_test_approve');
  await dialog.getByRole('button', { name: /^Pay / }).click();
  const done = page.getByRole('dialog', { name: 'Order confirmed' });
  await expect(done).toBeVisible();
  await expect(done.getByTestId('order-status')).toHaveText('Confirmed');
  await done.getByRole('button', { name: 'Back to the show' }).click();
  await expect(done).toBeHidden();
}

/** The host ends the show from its console page, keeping the recording (End and save). */
export async function endAndSave(page: Page) {
  await page.getByRole('button', { name: 'End stream' }).click();
  const dialog = page.getByRole('dialog', { name: 'End the stream?' });
  await dialog.getByRole('button', { name: 'End and save' }).click();
  await expect(page.getByTestId('end-result')).toHaveText('Stream saved for on-demand viewing.');
}
