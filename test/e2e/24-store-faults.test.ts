/**
 * A real server process whose disk fills up: its file size limit (RLIMIT_FSIZE, set on the
 * running process with prlimit(1); Node ignores SIGXFSZ, so writes fail with EFBIG as they would
 * with ENOSPC) drops below what its store has written. Requests that must write answer 503
 * STORE_UNAVAILABLE with Retry-After; reads and health go on; a driver that dies meanwhile is
 * reported dead at once and stored once the disk is back; and the server writes again by itself,
 * without a restart. No Spark: the sessions' "python" is a script that fails after a moment.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { canLimitFileSize, limitFileSize } from '../../packages/server/test/support/file-size-limit.ts';
import { api, waitForState } from './helpers.ts';
import { freePort, startOwnServer, type OwnServer } from './own-server.ts';

describe('a server whose disk is full', { skip: !canLimitFileSize && 'prlimit(1) is not installed' }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-store-faults-'));
  const fakePython = path.join(dataDir, '..', `${path.basename(dataDir)}-python.sh`);
  writeFileSync(fakePython, '#!/bin/sh\necho "fake driver: no Spark here, failing in 2 s" >&2\nsleep 2\nexit 3\n');
  chmodSync(fakePython, 0o755);
  const env = { SPARKPORT_PYTHON: fakePython, SPARKPORT_SESSIONS__SANDBOX: 'none' };
  let server: OwnServer | undefined;
  let lift: (() => void) | undefined;
  after(async () => {
    lift?.();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(fakePython, { force: true });
  });

  test('503 while it is full, background changes kept, and writes again once it is not, without a restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startOwnServer({ dataDir, port, env });
    const first = await api('POST', '/sessions', { kind: 'pyspark', name: 'doomed' }, base);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const id = first.body.id as number;

    lift = limitFileSize(server.child.pid!, 4096);
    const refused = await api('POST', '/sessions', { kind: 'pyspark' }, base);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'STORE_UNAVAILABLE');
    assert.match(refused.body.msg, /state store is unavailable .*(disk I\/O error|disk is full)/);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.equal((await api('GET', '/version', undefined, base)).status, 200);
    assert.equal((await api('GET', '/sessions', undefined, base)).status, 200, 'reads go on');
    assert.equal((await api('GET', '/ready', undefined, base)).status, 503);

    // Its driver fails meanwhile: the server stays up and says so, from memory.
    const dead = await waitForState(id, ['dead', 'error'], 30_000, base);
    assert.match(String(dead.log), /fake driver: no Spark here/);
    assert.equal(server.child.exitCode, null, 'the server is still running');
    assert.match(server.stderr(), /store is unavailable/);

    lift();
    lift = undefined;
    // The upkeep pass (every second) stores what was kept; then the server is ready again.
    const end = Date.now() + 10_000;
    while ((await api('GET', '/ready', undefined, base)).status !== 200) {
      assert.ok(Date.now() < end, 'ready again within 10 s of the disk coming back');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(server.stderr(), /takes writes again/);
    const again = await api('POST', '/sessions', { kind: 'pyspark' }, base);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.id, id + 1, 'the refused create took no id');

    // What was kept reached the disk: a new server reads the session's end from the store.
    await server.stop();
    server = await startOwnServer({ dataDir, port, env });
    const stored = await api('GET', `/sessions/${id}`, undefined, base);
    assert.equal(stored.status, 200);
    assert.equal(stored.body.state, 'dead');
    assert.match(String(stored.body.log), /fake driver: no Spark here/);
  });
});
