import { expect, test } from '@playwright/test';
import { env, haveSuite } from './env';
import { person, type Person } from './helpers';
import { mailTo } from './mail';

// Confirming the address through the UI and a real e-mail: a new account is mailed a link; the
// account page shows the address unconfirmed and sends another link on request; the first link,
// opened in a browser where nobody is signed in (a phone's mail app), confirms the address with
// one press; the account page then shows it confirmed, and the other link, opened later, still
// answers kindly.
test.describe.configure({ mode: 'serial' });
test.skip(!haveSuite || !env.mailDir, 'needs the suite and its caught e-mails (SHOPCAST_E2E_MAIL_DIR; see e2e/env.ts)');

const tag = Date.now().toString(36);
const account = { login: `confirm_${tag}`, password: `correct horse ${tag} staple` };
const email = `${account.login}@example.test`;
const SUBJECT = 'Confirm your e-mail address for Shopcast';
// Absolute when realtime-push knows the web app's address; the app path otherwise (see
// password-reset.spec.ts).
const LINK = /(?:https?:\/\/[^\s/]+)?\/verify-email#token=[A-Za-z0-9_-]+/;
let me: Person;
const links: string[] = [];

/** Waits for the `n`th confirmation e-mail to the account and returns its link. */
async function nthLink(n: number): Promise<string> {
  let bodies: string[] = [];
  await expect
    .poll(() => (bodies = mailTo(email, SUBJECT).map((m) => m.body)).length, {
      timeout: 30_000,
      message: `confirmation e-mail ${n} to ${email} arrives`,
    })
    .toBeGreaterThanOrEqual(n);
  const link = LINK.exec(bodies[n - 1])?.[0] ?? '';
  expect(link, `a confirmation link in the e-mail:\n${bodies[n - 1]}`).not.toBe('');
  return link;
}

test.beforeAll(async ({ browser }) => {
  me = await person(browser);
});
test.afterAll(async () => {
  await me?.context.close();
});

test('a new viewer registers and is mailed a confirmation link', async () => {
  const page = me.page;
  await page.goto('/register');
  await page.getByLabel('Username').fill(account.login);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  links.push(await nthLink(1));
});

test('the account page shows the address unconfirmed and sends another link', async () => {
  const page = me.page;
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'E-mail address' });
  await expect(section.getByText(email)).toBeVisible();
  await expect(section.getByText('Not confirmed')).toBeVisible();
  await section.getByRole('button', { name: 'Send a new link' }).click();
  await expect(section.getByText(`We sent a new link to ${email}.`)).toBeVisible();
  links.push(await nthLink(2));
  expect(links[1]).not.toBe(links[0]);
});

test('the first link, opened where nobody is signed in, confirms the address with one press', async ({ browser }) => {
  const phone = await person(browser, undefined, { width: 375, height: 740 });
  try {
    const page = phone.page;
    await page.goto(links[0]);
    await expect(page).toHaveURL(/\/verify-email$/); // the token leaves the address bar at once
    await expect(page.getByRole('heading', { name: 'Confirm your e-mail address' })).toBeVisible();
    await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
    await expect(page.getByText('Your e-mail address is confirmed. Thank you!')).toBeVisible();
  } finally {
    await phone.context.close();
  }
});

test('the account page now shows the address confirmed; the other link still answers kindly', async () => {
  const page = me.page;
  await page.goto('/account');
  const section = page.getByRole('region', { name: 'E-mail address' });
  await expect(section.getByText('Confirmed', { exact: true })).toBeVisible();
  await expect(section.getByRole('button', { name: 'Send a new link' })).toHaveCount(0);
  await page.goto(links[1]);
  await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
  await expect(page.getByText('Your e-mail address is confirmed. Thank you!')).toBeVisible();
});
