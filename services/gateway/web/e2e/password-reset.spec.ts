import { expect, test } from '@playwright/test';
import { env, haveSuite } from './env';
import { person, signIn, type Person } from './helpers';
import { mailTo, type Mail } from './mail';

// A forgotten password, through the UI and a real e-mail: a new account (made here, as its
// password changes) asks for a reset from the login page, the suite's SMTP server catches the
// e-mail, its link sets a new password once and a notice of the change follows by e-mail; the new
// password signs in, the old one no longer does, and the link does not work a second time. An address no account has gets the same answer.
test.describe.configure({ mode: 'serial' });
test.skip(!haveSuite || !env.mailDir, 'needs the suite and its caught e-mails (SHOPCAST_E2E_MAIL_DIR; see e2e/env.ts)');

const tag = Date.now().toString(36);
const account = { login: `reset_${tag}`, password: `correct horse ${tag} staple` };
const email = `${account.login}@example.test`;
const stranger = `nobody_${tag}@example.test`;
const CONFIRMATION = 'If an account uses that address, we have sent it a link';
const RESET_SUBJECT = 'Reset your Shopcast password';
// Absolute when realtime-push knows the web app's address (--web_base_url, as tools/dev and
// Kubernetes set it); the suite starts the gateway last, so here it is the app path, which
// page.goto resolves against the gateway.
const LINK = /(?:https?:\/\/[^\s/]+)?\/reset-password#token=[A-Za-z0-9_-]+/;
let me: Person;
let link = '';

test.beforeAll(async ({ browser }) => {
  me = await person(browser);
});
test.afterAll(async () => {
  await me?.context.close();
});

test('a new viewer registers and signs out', async () => {
  const page = me.page;
  await page.goto('/register');
  await page.getByLabel('Username').fill(account.login);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('an address no account has gets the same answer', async () => {
  const page = me.page;
  await page.goto('/forgot-password');
  await page.getByLabel('Email').fill(stranger);
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByText(CONFIRMATION)).toBeVisible();
});

test('"Forgot your password?" on the login page sends the account a link by e-mail', async () => {
  const page = me.page;
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByText(CONFIRMATION)).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveCount(0);

  let mails: Mail[] = [];
  await expect
    .poll(() => (mails = mailTo(email, RESET_SUBJECT)).length, { timeout: 30_000, message: `the reset e-mail to ${email} arrives` })
    .toBeGreaterThan(0);
  link = LINK.exec(mails[0].body)?.[0] ?? '';
  expect(link, `a reset link in the e-mail:\n${mails[0].body}`).not.toBe('');
  // The stranger's request was made first and sent nothing.
  expect(mailTo(stranger)).toEqual([]);
});

test("the e-mail's link sets a new password once; only the new one signs in", async () => {
  const page = me.page;
  const fresh = `${account.password} renewed`;
  await page.goto(link);
  // the token leaves the address bar at once
  await expect(page).toHaveURL(/\/reset-password$/);
  const password = page.getByLabel('New password', { exact: true });
  const again = page.getByLabel('New password again');
  const submit = page.getByRole('button', { name: 'Set new password' });

  // too short: refused on its field before anything is sent
  await password.fill('too short');
  await again.fill('too short');
  await expect(page.getByText('At least 12 characters.')).toBeVisible();
  await expect(submit).toBeDisabled();
  // long enough but too common: the user service refuses it, on the same field
  await password.fill('password1234');
  await again.fill('password1234');
  await submit.click();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-error')).toHaveCount(1);

  await password.fill(fresh);
  await again.fill(fresh);
  await submit.click();
  await expect(page.getByText('Password changed. Every device that was signed in to your account is now signed out.')).toBeVisible();
  // and the owner is told by e-mail, with the way back should it not have been them
  let notice: Mail | undefined;
  await expect
    .poll(() => (notice = mailTo(email, 'Your Shopcast password was changed')[0]) !== undefined, {
      timeout: 30_000,
      message: `the password-changed notice to ${email} arrives`,
    })
    .toBe(true);
  expect(notice!.body).toContain('with a password-reset link sent to this address');
  expect(notice!.body).toMatch(/(?:https?:\/\/[^\s/]+)?\/forgot-password\b/);
  expect(LINK.test(notice!.body), 'the notice carries no reset link').toBe(false);
  await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, { login: account.login, password: fresh });
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/login');
  await page.getByLabel('Username or email').fill(account.login);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0);
  account.password = fresh;
});

test('the same link a second time no longer works and offers a new one', async () => {
  const page = me.page;
  await page.goto(link);
  await expect(page).toHaveURL(/\/reset-password$/);
  const another = `${account.password} again`;
  await page.getByLabel('New password', { exact: true }).fill(another);
  await page.getByLabel('New password again').fill(another);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText(/This password-reset link does not work/)).toBeVisible();
  await page.getByRole('link', { name: 'Ask for a new link' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  // and the password is still the one it set
  await signIn(page, account);
});
