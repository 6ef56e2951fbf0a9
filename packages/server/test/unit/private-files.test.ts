/**
 * Files only the server's user may read: the data directory (700, fixed when it exists), the
 * SQLite store and its -wal and -shm files (600, fixed when they exist), private files written
 * without following a planted link.
 */
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ensurePrivateDir, writePrivateFile } from '../../src/private-files.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-private-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('private files', () => {
  test('ensurePrivateDir creates with 700 and brings an existing directory to 700', () => {
    const fresh = path.join(tmp, 'a', 'b');
    ensurePrivateDir(fresh);
    assert.equal(mode(fresh), 0o700);
    const old = path.join(tmp, 'old');
    mkdirSync(old);
    chmodSync(old, 0o755);
    ensurePrivateDir(old);
    assert.equal(mode(old), 0o700);
  });

  test('a new store is 600, and so are its -wal and -shm files; its directory is created 700', () => {
    const file = path.join(tmp, 'new-data', 'sparkport.db');
    const store = new SqliteStore(file);
    store.nextSessionId();
    try {
      assert.equal(mode(path.dirname(file)), 0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        assert.ok(existsSync(f), f);
        assert.equal(mode(f), 0o600, f);
      }
    } finally {
      store.close();
    }
  });

  test('an existing store readable by others is brought to 600 when opened', () => {
    const dir = path.join(tmp, 'old-data');
    mkdirSync(dir);
    const file = path.join(dir, 'sparkport.db');
    new SqliteStore(file).close();
    chmodSync(file, 0o644);
    closeSync(openSync(`${file}-wal`, 'a', 0o644));
    chmodSync(`${file}-wal`, 0o644);
    const store = new SqliteStore(file);
    try {
      assert.equal(mode(file), 0o600);
      assert.equal(mode(`${file}-wal`), 0o600);
    } finally {
      store.close();
    }
  });

  test('writePrivateFile writes mode 600 and replaces a planted link instead of writing through it', () => {
    const victim = path.join(tmp, 'victim');
    writeFileSync(victim, 'untouched');
    const file = path.join(tmp, 'secret');
    symlinkSync(victim, file);
    writePrivateFile(file, 'token');
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.equal(readFileSync(file, 'utf8'), 'token');
    assert.equal(mode(file), 0o600);
  });
});
