/**
 * The Python client package (clients/python, stdlib only) against the real server: the shared
 * session for most of it (run, stream, events, cancel, completion, errors, shared data), one
 * batch, and one session of its own through `with client.session(...)`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { BASE, sharedSession } from './helpers.ts';
import { ROOT, runPython } from './run-python.ts';

/** The directory the e2e server allows batch files from (scripts/test.mjs). */
const BATCH_DIR = path.join(os.tmpdir(), 'sparkport-e2e-batch-files', 'python-client');

describe('Python client', () => {
  before(async () => {
    await sharedSession();
    mkdirSync(BATCH_DIR, { recursive: true });
  });

  test('sessions, statements, streams, cancel, errors, shared data, batches, the context manager', async () => {
    const r = await runPython(path.join(ROOT, '.venv/bin/python'), ['test/e2e/python_client_flow.py', BASE, 'e2e', BATCH_DIR],
      { PYTHONPATH: path.join(ROOT, 'clients/python') });
    process.stdout.write(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /python client: all checks passed/);
  });
});
