import { expect, test as setup } from '@playwright/test';
import { env, haveSuite } from './env';
import { person } from './helpers';

// With an admin account: make what the show needs through the admin screen — the product type
// (a required whole-number "Size" 30..50) and the host role for the host account. Both are
// idempotent: an existing type of that name is reused, setting a role twice is harmless.
setup.skip(!haveSuite || !env.admin, 'no admin account given: the harness made the product type and the host');

setup('the admin prepares a product type and the host role', async ({ browser }) => {
  const admin = await person(browser, env.admin!);
  const page = admin.page;
  await page.goto('/admin');
  const types = page.getByRole('region', { name: 'Product types' });
  await expect(page.getByRole('heading', { name: 'Product types' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  if (!(await types.getByText(env.productType, { exact: true }).isVisible().catch(() => false))) {
    const form = page.getByRole('form', { name: 'New product type' });
    await form.getByLabel('Name').fill(env.productType);
    await form.getByLabel('Description').fill('Shoes with an EU size');
    await form.getByLabel('Parameter 1 key').fill('size');
    await form.getByLabel('Parameter 1 label').fill('Size');
    await form.getByLabel('Parameter 1 kind').selectOption('PARAMETER_KIND_INTEGER');
    await form.getByLabel('Parameter 1 required').check();
    await form.getByLabel('Parameter 1 rule').fill('30..50');
    await form.getByRole('button', { name: 'Create product type' }).click();
    await expect(types.getByText(env.productType, { exact: true })).toBeVisible();
  }
  const roles = page.getByRole('form', { name: 'Roles' });
  await roles.getByLabel('Username').fill(env.host.login);
  await roles.getByLabel('Role').selectOption('ROLE_HOST');
  await roles.getByRole('button', { name: 'Set role' }).click();
  await expect(roles.getByRole('status')).toContainText('is now a host');
  await admin.context.close();
});
