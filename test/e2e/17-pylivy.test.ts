/**
 * The `livy` package from PyPI (pylivy), installed into .venv-clients and used unchanged:
 * test/livy-clients/pylivy_flow.py. It creates one session of its own (and closes it) and two
 * small batches.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BASE } from './helpers.ts';
import { ROOT, runPython } from './run-python.ts';

const PYTHON = path.join(ROOT, '.venv-clients/bin/python');
/** The directory the e2e server allows batch files from (scripts/test.mjs). */
const BATCH_DIR = path.join(os.tmpdir(), 'sparkport-e2e-batch-files', 'pylivy');

describe('pylivy, unchanged', () => {
  test('version, session create and wait, run, errors, download/upload, SQL, batches', async () => {
    assert.ok(existsSync(PYTHON), 'no .venv-clients: run `node scripts/setup.mjs --livy-clients` (npm test does)');
    mkdirSync(BATCH_DIR, { recursive: true });
    const r = await runPython(PYTHON, ['test/livy-clients/pylivy_flow.py', BASE, BATCH_DIR]);
    process.stdout.write(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.code, 0, r.stderr.slice(-4000));
    assert.match(r.stdout, /pylivy: all checks passed/);
  });
});
