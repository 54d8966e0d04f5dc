import { defineConfig } from '@playwright/test';

// Browser tests against the whole suite, started by the C++ harness (tests/suite), which passes
// the gateway's URL and the accounts and stream in environment variables (e2e/env.ts lists them).
// The browser is Debian's Chromium (never a downloaded one), headless, with the flags this
// machine's closed network needs.
const chromium = process.env.SHOPCAST_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: process.env.SHOPCAST_E2E_OUTPUT_DIR ?? 'test-results',
  projects: [
    { name: 'setup', testMatch: /.*\.setup\.ts/ },
    { name: 'show', testMatch: /.*\.spec\.ts/, dependencies: ['setup'] },
  ],
  use: {
    baseURL: process.env.SHOPCAST_GATEWAY_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
});
