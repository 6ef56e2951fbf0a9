/**
 * Headless Chromium for the web UI's tests: Debian's (set-up installs it) or the binary
 * SPARKPORT_TEST_CHROMIUM names, driven by playwright-core. Screenshots go to
 * test-output/ui/ (SPARKPORT_TEST_OUTPUT overrides), kept as the run's artefacts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './own-server.ts';

export const CHROMIUM = process.env.SPARKPORT_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = process.env.SPARKPORT_TEST_OUTPUT ? path.join(process.env.SPARKPORT_TEST_OUTPUT, 'ui') : path.join(ROOT, 'test-output', 'ui');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine's network is closed: without these Chromium keeps trying Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A page of its own context (its own sessionStorage), 1360×860, that fails the test on a page error. */
export async function openPage(browser: Browser, opts: { dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: opts.dark ? 'dark' : 'light' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
