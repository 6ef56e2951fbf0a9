/**
 * sparkmagic's Livy client (the library behind Jupyter's %spark magics), installed from PyPI into
 * .venv-clients and used unchanged: test/livy-clients/sparkmagic_flow.py. It creates one session
 * of its own and deletes it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BASE } from './helpers.ts';
import { ROOT, runPython } from './run-python.ts';

const PYTHON = path.join(ROOT, '.venv-clients/bin/python');

describe('sparkmagic, unchanged', () => {
  test('%spark add, %%spark, %%spark -c sql, -o, %%send_to_spark, %matplot, info, logs, interrupt, delete', async () => {
    assert.ok(existsSync(PYTHON), 'no .venv-clients: run `node scripts/setup.mjs --livy-clients` (npm test does)');
    // sparkmagic keeps its config and logs in SPARKMAGIC_CONF_DIR: a scratch one, with the start-up
    // wait raised from 60 s, because other Spark tests share this machine.
    const conf = mkdtempSync(path.join(os.tmpdir(), 'sparkmagic-'));
    writeFileSync(path.join(conf, 'config.json'), JSON.stringify({ livy_session_startup_timeout_seconds: 170 }));
    try {
      const r = await runPython(PYTHON, ['test/livy-clients/sparkmagic_flow.py', BASE], { SPARKMAGIC_CONF_DIR: conf, HOME: conf });
      process.stdout.write(r.stdout.split('\n').filter((l) => l.startsWith('ok:') || l.startsWith('sparkmagic')).map((l) => `# ${l}\n`).join(''));
      assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      assert.match(r.stdout, /sparkmagic: all checks passed/);
    } finally {
      rmSync(conf, { recursive: true, force: true });
    }
  });
});
