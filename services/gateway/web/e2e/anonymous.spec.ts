import { expect, test } from '@playwright/test';
import { env, haveSuite } from './env';
import { person } from './helpers';

test.skip(!haveSuite, 'needs the suite (SHOPCAST_GATEWAY_URL and the accounts; see e2e/env.ts)');

test('an anonymous visitor sees the live list, and a chat click goes to login and back', async ({ browser }) => {
  const { page, context } = await person(browser, undefined, { width: 375, height: 812 });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Live now' })).toBeVisible();
  await page.goto(`/watch/${env.streamId}`);
  await page.getByRole('button', { name: 'Sign in to chat' }).click();
  await expect(page).toHaveURL(/\/login\?return=/);
  await page.getByLabel('Username or email').fill(env.viewer.login);
  await page.getByLabel('Password').fill(env.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`/watch/${env.streamId}$`));
  await expect(page.getByLabel('Message')).toBeVisible();
  await context.close();
});
