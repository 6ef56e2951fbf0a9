/**
 * The web UI with authentication on: the page (public) asks for the login the server's 401
 * names, a wrong password is shown in the server's words, and a right one (or a token) lets the
 * user in. The credentials stay in the tab (sessionStorage), never in a cookie.
 */
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, openPage, shot } from './browser.ts';
import { startOwnServer, type OwnServer } from './own-server.ts';

const USER = 'ana';
const PASSWORD = 'a long and good password';
const TOKEN = 'ui-token-5d1c7e';

describe('the web UI with authentication on', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-e2e-ui-auth-'));
  let server: OwnServer | undefined;
  let browser: Browser;

  before(async () => {
    writeFileSync(path.join(dir, 'htpasswd'), `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`);
    writeFileSync(path.join(dir, 'tokens'), `robot:${createHash('sha256').update(TOKEN).digest('hex')}\n`);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
      auth: { basic: { htpasswdFile: path.join(dir, 'htpasswd') }, tokens: { file: path.join(dir, 'tokens') }, rateLimit: { failures: 50 } },
    }));
    server = await startOwnServer({ dataDir: path.join(dir, 'data'), args: ['--config', path.join(dir, 'config.json')] });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the page asks for a login; a wrong password is refused in words; the right one lets the user in', async () => {
    const { page, errors } = await openPage(browser);
    // No browser login box: the page's own form, whatever the server's challenge.
    page.on('dialog', (d) => { errors.push(`unexpected dialog: ${d.message()}`); void d.dismiss(); });
    const res = await page.goto(`${server!.base}/`);
    assert.equal(res?.status(), 200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await page.getByRole('status').first().innerText(), /Authentication required/);
    await page.getByLabel('User').fill(USER);
    await page.getByLabel('Password').fill('not it');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /Authentication failed/);
    // Refused credentials are not kept: no one is shown as signed in, and the user name is kept for the retry.
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    assert.equal(await page.getByLabel('User').inputValue(), USER);
    await shot(page, 'login');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    assert.ok(await page.getByText(USER, { exact: true }).isVisible());
    // Not a cookie: another tab of the same browser starts signed out.
    assert.deepEqual(await page.context().cookies(), []);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.deepEqual(errors, []);
  });

  test('a token works too, and signing out forgets it', async () => {
    const { page } = await openPage(browser);
    await page.goto(`${server!.base}/ui/`);
    await page.getByRole('radio', { name: 'Token' }).click();
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await shot(page, 'signed-in-with-token');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });
});
