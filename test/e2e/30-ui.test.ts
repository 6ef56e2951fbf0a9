/**
 * The web UI in a real browser on real Spark: a session created from the UI, Python whose
 * printed lines show before it ends, SQL as a table, a %matplot image, cancel, completion,
 * a shared map edited in the UI and read back over REST, a batch's log followed live, 1,000
 * statements kept usable, and the lists updating without a reload. Each test leaves a screenshot
 * in test-output/ui/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, shot } from './browser.ts';
import { api, BASE, waitForState } from './helpers.ts';

const NAME = `ui-e2e-${process.pid}`;

/** Polls `check` (in the test, not the page) until it is truthy. */
async function until<T>(what: string, check: () => Promise<T> | T, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the web UI, in Chromium, on real Spark', () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let sid: number;

  /** The console's code box: cleared, then `code` typed in, in `language`. */
  const runInConsole = async (code: string, language: 'Python' | 'Scala' | 'SQL' = 'Python') => {
    await page.getByLabel('Language').selectOption({ label: language });
    const box = page.getByLabel('Code', { exact: true });
    await box.fill(code);
    await box.press('Control+Enter');
  };
  /** The newest statement's article, once the session has `count` statements. */
  const statement = (id: number) => page.locator(`article[data-statement="${id}"]`);
  const statementCount = async () => (await api('GET', `/sessions/${sid}/statements?size=0`)).body.total_statements as number;

  before(async () => {
    browser = await launch();
    ({ page, errors } = await openPage(browser));
  });
  after(async () => {
    await browser?.close();
    if (sid !== undefined) await api('DELETE', `/sessions/${sid}`);
  });

  test('GET / leads to the UI; a session created from it starts and shows idle', async () => {
    const res = await page.goto(`${BASE}/`);
    assert.equal(res?.status(), 200);
    assert.match(page.url(), /\/ui\/$/);
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await page.getByRole('button', { name: 'New session' }).click();
    const dialog = page.getByRole('dialog', { name: 'New session' });
    await dialog.getByLabel('Name').fill(NAME);
    await dialog.getByLabel('Kind').selectOption('pyspark');
    await dialog.getByRole('button', { name: 'Create' }).click();
    // The UI goes to the new session's page; its state follows the server's without a reload.
    await page.waitForURL(/#\/sessions\/\d+$/);
    sid = Number(/#\/sessions\/(\d+)$/.exec(page.url())![1]);
    const created = (await api('GET', `/sessions/${sid}`)).body;
    assert.equal(created.name, NAME);
    await page.locator('[data-state="idle"]').first().waitFor({ timeout: 180_000 });
    assert.equal((await api('GET', `/sessions/${sid}/state`)).body.state, 'idle');
    await shot(page, 'session-idle');
  });

  test('the session list updates live: a session made over REST appears, then its deletion', async () => {
    await page.goto(`${BASE}/ui/#/sessions`);
    const row = page.locator(`tr[data-session="${sid}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(NAME));
    // A session made elsewhere, without starting Spark: `shared`-less kinds need a driver, so
    // make one and delete it before it is up: both changes must show without a reload.
    const other = (await api('POST', '/sessions', { kind: 'sql', name: `${NAME}-other` })).body;
    const otherRow = page.locator(`tr[data-session="${other.id}"]`);
    await otherRow.waitFor({ timeout: 15_000 });
    await shot(page, 'sessions-list');
    await api('DELETE', `/sessions/${other.id}`);
    await otherRow.waitFor({ state: 'detached', timeout: 15_000 });
    assert.ok(errors.length === 0, errors.join('\n'));
  });

  test('Python: printed lines appear while the statement still runs', async () => {
    await page.goto(`${BASE}/ui/#/sessions/${sid}`);
    const before = await statementCount();
    await runInConsole('import time\nfor i in range(4):\n    print(f"tick {i}", flush=True)\n    time.sleep(1.5)\n"done"');
    const st = statement(before);
    await st.getByText('tick 0').waitFor({ timeout: 30_000 });
    // The first line is on the page while the server still has the statement running.
    const state = (await api('GET', `/sessions/${sid}/statements/${before}`)).body.state;
    assert.ok(['running', 'waiting'].includes(state), `statement was ${state} when its first line showed`);
    await shot(page, 'live-output');
    await st.locator('[data-state="available"]').waitFor({ timeout: 30_000 });
    assert.match(await st.innerText(), /tick 3/);
  });

  test('SQL: a table with its column types, sortable', async () => {
    const before = await statementCount();
    await runInConsole('SELECT id, id * 2 AS twice, CAST(id AS STRING) AS label FROM range(5)', 'SQL');
    const table = statement(before).locator('table');
    await table.waitFor({ timeout: 30_000 });
    const head = await table.locator('thead').innerText();
    assert.match(head, /id/);
    assert.match(head, /twice/);
    assert.match(head, /bigint|long/i);
    assert.match(head, /string/i);
    const firstCell = () => table.locator('tbody tr').first().locator('td').first().innerText();
    assert.equal((await firstCell()).trim(), '0');
    // Sorting by a header: descending puts 4 first.
    const idHeader = table.locator('thead th').first();
    await idHeader.getByRole('button').click();
    if ((await firstCell()).trim() !== '4') await idHeader.getByRole('button').click();
    assert.equal((await firstCell()).trim(), '4');
    assert.match(String(await idHeader.getAttribute('aria-sort')), /descending/);
    await shot(page, 'sql-table');
  });

  test('%matplot shows the plot as an image', async () => {
    const before = await statementCount();
    await runInConsole('import matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\nplt.figure(figsize=(4, 2.5))\nplt.plot([1, 3, 2, 5])\n%matplot plt');
    const img = statement(before).locator('img');
    await img.waitFor({ timeout: 60_000 });
    const width = await img.evaluate((el) => (el as HTMLImageElement).naturalWidth);
    assert.ok(width > 100, `image is ${width} px wide`);
    assert.match(String(await img.getAttribute('src')), /^data:image\/png;base64,/);
    await img.scrollIntoViewIfNeeded();
    await shot(page, 'notebook');
  });

  test('an error shows its name, message and traceback', async () => {
    const before = await statementCount();
    await runInConsole('def f():\n    return 1 / 0\nf()');
    const st = statement(before);
    await st.locator('[data-state="error"], [data-state="available"]').first().waitFor({ timeout: 30_000 });
    const text = await st.innerText();
    assert.match(text, /ZeroDivisionError/);
    assert.match(text, /division by zero/);
    assert.match(text, /line \d+/);
    await shot(page, 'error-traceback');
  });

  test('a Spark job shows a live progress bar that fills while it runs', async () => {
    const before = await statementCount();
    // 40 tasks of 0.15 s on local[2]: about 3 s of job.
    await runInConsole('import time\nspark.sparkContext.parallelize(range(40), 40).foreach(lambda x: time.sleep(0.15))\n"job done"');
    const bar = page.getByRole('progressbar', { name: 'Spark job progress' });
    const seen = new Set<number>();
    await until('the bar part way', async () => {
      const v = await bar.evaluate((el) => (el as HTMLProgressElement).value).catch(() => -1);
      if (v > 0 && v < 1) seen.add(Math.round(v * 100));
      return seen.size >= 2;
    }, 30_000);
    await shot(page, 'progress');
    await statement(before).getByText("'job done'").waitFor({ timeout: 60_000 });
    assert.ok(seen.size >= 2, `progress values seen: ${[...seen].join(', ')}`);
  });

  test('a long statement is cancelled from the UI', async () => {
    const before = await statementCount();
    await runInConsole('import time\ntime.sleep(600)');
    await statement(before).waitFor();
    await until('the statement to run', async () => (await api('GET', `/sessions/${sid}/statements/${before}`)).body.state === 'running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await until('the statement to be cancelled', async () =>
      ['cancelled', 'cancelling'].includes((await api('GET', `/sessions/${sid}/statements/${before}`)).body.state), 30_000);
    await statement(before).locator('[data-state="cancelled"]').waitFor({ timeout: 30_000 });
    await shot(page, 'cancelled');
    await waitForState(sid, ['idle']);
  });

  test('Tab completes a name', async () => {
    await page.getByLabel('Language').selectOption({ label: 'Python' });
    const box = page.getByLabel('Code', { exact: true });
    await box.fill('spark.ran');
    await box.press('End');
    await box.press('Tab');
    // One candidate is put in at once; several open a list to pick from.
    const list = page.getByRole('listbox');
    await until('a completion', async () => (await box.inputValue()).startsWith('spark.range') || await list.isVisible());
    if (!(await box.inputValue()).startsWith('spark.range')) {
      await list.getByRole('option', { name: /^range/ }).first().click();
    }
    assert.match(await box.inputValue(), /^spark\.range/);
    await shot(page, 'completion');
    await box.fill('');
  });

  test('a shared map key edited in the UI reads back over REST', async () => {
    const put = await api('PUT', `/sessions/${sid}/shared/ui_prefs/theme`, { mode: 'light', size: 12 });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    await api('PUT', `/sessions/${sid}/shared/ui_prefs/other`, 1);
    await page.goto(`${BASE}/ui/#/sessions/${sid}/shared/ui_prefs`);
    await page.getByLabel('Key prefix').fill('the');
    const row = page.locator('[data-key="theme"]');
    await row.waitFor();
    await page.locator('[data-key="other"]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Edit key theme' }).click();
    const value = page.getByLabel('Value (JSON)');
    await value.fill('{"mode": "dark", "size": 14, "tags": ["a", "b"]}');
    await page.getByRole('button', { name: 'Save value' }).click();
    await until('the new value over REST', async () => {
      const r = await api('GET', `/sessions/${sid}/shared/ui_prefs/theme`);
      return r.body?.value?.mode === 'dark' && r.body.value.size === 14;
    }, 15_000);
    assert.deepEqual((await api('GET', `/sessions/${sid}/shared/ui_prefs/theme`)).body.value, { mode: 'dark', size: 14, tags: ['a', 'b'] });
    // Not JSON: the UI says so and sends nothing.
    await page.getByRole('button', { name: 'Edit key theme' }).click();
    await page.getByLabel('Value (JSON)').fill('{mode: dark');
    await page.getByRole('button', { name: 'Save value' }).click();
    await page.getByRole('alert').first().waitFor();
    assert.equal((await api('GET', `/sessions/${sid}/shared/ui_prefs/theme`)).body.value.mode, 'dark');
    await shot(page, 'shared-map');
  });

  test('a batch\'s log is followed live, before the batch ends', async () => {
    const dir = path.join(os.tmpdir(), 'sparkport-e2e-batch-files');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `ui_batch_${process.pid}.py`);
    writeFileSync(file, 'import sys, time\nfor i in range(30):\n    print(f"batch line {i}", flush=True)\n    time.sleep(1)\n');
    const b = (await api('POST', '/batches', { file, name: `${NAME}-batch` })).body;
    await page.goto(`${BASE}/ui/#/batches`);
    await page.locator(`[data-batch="${b.id}"], tr:has-text("${NAME}-batch")`).first().waitFor({ timeout: 15_000 });
    await page.goto(`${BASE}/ui/#/batches/${b.id}`);
    const log = page.getByRole('log', { name: 'Batch log' });
    await log.getByText('batch line 1').first().waitFor({ timeout: 90_000 });
    const state = (await api('GET', `/batches/${b.id}/state`)).body.state;
    assert.equal(state, 'running', 'the log showed while the batch ran');
    // And more keeps coming without a reload.
    await log.getByText('batch line 4').first().waitFor({ timeout: 30_000 });
    await shot(page, 'batch-log');
    // A confirm() first, if the UI asks: accepted.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Kill batch' }).click();
    await until('the batch to be killed', async () => (await api('GET', `/batches/${b.id}/state`)).body.state === 'killed', 30_000);
  });

  test('1,000 statements: the notebook keeps only what is on screen in the page and still reaches the last', async () => {
    const start = await statementCount();
    for (let i = start; i < 1000; i++) {
      const r = await api('POST', `/sessions/${sid}/statements?wait=30`, { code: `${i} * 2` });
      assert.equal(r.body.state, 'available');
    }
    await page.goto(`${BASE}/ui/#/sessions/${sid}`);
    await statement(999).waitFor({ timeout: 60_000 });
    const inDom = await page.locator('article[data-statement]').count();
    assert.ok(inDom < 100, `${inDom} statements in the DOM`);
    assert.match(await statement(999).innerText(), /1998/);
    // Scrolled to the top, the first is there and the last is gone from the DOM.
    await page.keyboard.press('Control+Home');
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('*')) if (el.scrollHeight > el.clientHeight + 10) el.scrollTop = 0;
      scrollTo(0, 0);
    });
    await statement(0).waitFor({ timeout: 15_000 });
    assert.equal(await statement(999).count(), 0);
    const t0 = Date.now();
    await runInConsole('"after a thousand"');
    await statement(1000).getByText("'after a thousand'").waitFor({ timeout: 30_000 });
    assert.ok(Date.now() - t0 < 20_000);
    await shot(page, 'thousand-statements');
  });

  test('dark theme, n for a new session, and a 4xx shown in the server\'s words', async () => {
    await page.goto(`${BASE}/ui/#/sessions`);
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.getByRole('button', { name: /Switch to light theme/ }).waitFor();
    // Keyboard first: n opens the new-session form (focus is on the theme button, not in a field).
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'New session' });
    await dialog.getByLabel('Driver memory').fill('lots');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /driverMemory/);
    assert.match(await alert.innerText(), /400/);
    await shot(page, 'dark-error');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.ok(errors.length === 0, errors.join('\n'));
  });
});
