import { expect, test } from '@playwright/test';
import { haveSuite } from './env';
import { person, signIn, type Person } from './helpers';

// A viewer's own account, through the UI only: a new account's profile, notification settings,
// orders page, signing out on every device, changing the password, and deleting the account for
// good. The account is
// made here (deleting one of the shared accounts would break the other specs).
test.describe.configure({ mode: 'serial' });
test.skip(!haveSuite, 'needs the suite (see e2e/env.ts)');

const tag = Date.now().toString(36);
const account = { login: `acct_${tag}`, password: `correct horse ${tag} staple` };
let me: Person;

test.beforeAll(async ({ browser }) => {
  me = await person(browser);
});
test.afterAll(async () => {
  await me?.context.close();
});

test('a new viewer registers and finds their account page', async () => {
  const page = me.page;
  await page.goto('/register');
  await page.getByLabel('Username').fill(account.login);
  await page.getByLabel('Email').fill(`${account.login}@example.test`);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Profile' })).toContainText(`Username ${account.login}`);
});

test('the profile: a bad name is refused on its field, a good one is saved and shown at once', async () => {
  const page = me.page;
  const profile = page.getByRole('form', { name: 'Profile' });
  const name = profile.getByLabel('Display name');
  await name.fill('x'.repeat(51));
  await expect(profile.getByText('At most 50 characters.')).toBeVisible();
  await expect(profile.getByRole('button', { name: 'Save profile' })).toBeDisabled();
  await name.fill(`Shopper ${tag}`);
  await profile.getByLabel('Bio').fill('Here for the vinyl.');
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await expect(profile.getByText('Profile saved.')).toBeVisible();
  await expect(page.locator('.account-name')).toHaveText(`Shopper ${tag}`);
  await page.reload();
  await expect(page.getByRole('form', { name: 'Profile' }).getByLabel('Bio')).toHaveValue('Here for the vinyl.');
});

test('notification settings: a switch turned off stays off', async () => {
  const page = me.page;
  const settings = page.getByRole('region', { name: 'Notification settings' });
  const outbid = page.getByLabel('Someone outbids me');
  await expect(outbid).toBeChecked();
  await expect(page.getByLabel('Offers and news from Shopcast')).not.toBeChecked();
  await outbid.uncheck();
  await expect(settings.getByText('Saved ✓')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Someone outbids me')).not.toBeChecked();
  await expect(page.getByLabel('A host I follow goes live')).toBeChecked();
});

test('a new account has no orders yet', async () => {
  const page = me.page;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible();
  await expect(page.getByText('No orders yet.')).toBeVisible();
});

test('signing out on every device ends this session too; signing in again works', async () => {
  const page = me.page;
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out on every device' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.reload(); // the refresh cookie was revoked: still signed out
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await signIn(page, account, '/account');
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('changing the password signs the other device out, keeps this one, and only the new one signs in', async ({ browser }) => {
  const page = me.page;
  const phone = await person(browser, account);
  try {
    const form = page.getByRole('form', { name: 'Password' });
    const fresh = `${account.password} renewed`;
    await form.getByLabel('Current password').fill('not my password at all');
    await form.getByLabel('New password', { exact: true }).fill(fresh);
    await form.getByLabel('New password again').fill(fresh);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(form.getByText('the current password is wrong')).toBeVisible();
    await form.getByLabel('Current password').fill(account.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect(form.getByText('Password changed. Your other devices are signed out.')).toBeVisible();
    await expect(form.getByLabel('Current password')).toHaveValue('');
    account.password = fresh;
    // This device carries on, across a reload (its refresh cookie was replaced)…
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
    // …the other one is signed out at its next look.
    await phone.page.reload();
    await expect(phone.page.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await phone.page.goto('/login');
    await phone.page.getByLabel('Username or email').fill(account.login);
    await phone.page.getByLabel('Password').fill(`correct horse ${tag} staple`);
    await phone.page.getByRole('button', { name: 'Sign in' }).click();
    await expect(phone.page.getByRole('alert')).toBeVisible();
    await signIn(phone.page, account);
  } finally {
    await phone.context.close();
  }
});

test('deleting the account asks for its username, signs out, and the password no longer works', async () => {
  const page = me.page;
  await page.getByRole('button', { name: 'Delete my account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
  const confirm = dialog.getByRole('button', { name: 'Delete for good' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type your username/).fill('someone else');
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type your username/).fill(account.login);
  await confirm.click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(account.login);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0);
});
