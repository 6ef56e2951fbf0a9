/**
 * The session sandbox (driver/sandbox.ts), run for real with bubblewrap: what a process inside
 * can and cannot see of the data directory, the server's processes and the secret files the
 * settings name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import { bwrapWorks, sandboxOn, sandboxed } from '../../src/driver/sandbox.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-sandbox-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('inside: its own work dir and the shared dir; not the store, other sessions, the server\'s processes or secret files', () => {
  assert.ok(bwrapWorks(), 'bubblewrap is installed by set-up (scripts/setup.mjs) and works here');
  const cfg = defaultConfig();
  cfg.dataDir = path.join(tmp, 'data');
  cfg.shared.allowedDirs = [path.join(cfg.dataDir, 'shared')];
  const secret = path.join(tmp, 'htpasswd');
  writeFileSync(secret, 'alice:$2y$05$hash\n');
  cfg.auth.basic.htpasswdFile = secret;
  const mine = path.join(cfg.dataDir, 'sessions', '1');
  const other = path.join(cfg.dataDir, 'sessions', '2');
  for (const d of [mine, other]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(cfg.dataDir, 'sparkport.db'), 'store');
  writeFileSync(path.join(other, 'driver.token'), 'their token');
  writeFileSync(path.join(mine, 'note'), 'mine');
  assert.ok(sandboxOn(cfg));
  const script = [
    `ls -A ${cfg.dataDir} | tr '\\n' ' '; echo`,
    `cat ${path.join(mine, 'note')}; echo`,
    `test -e ${path.join(other, 'driver.token')} && echo other-visible || echo other-hidden`,
    `test -e ${path.join(cfg.dataDir, 'sparkport.db')} && echo store-visible || echo store-hidden`,
    `echo "secret:[$(cat ${secret})]"`,
    `echo written > ${path.join(cfg.shared.allowedDirs[0]!, 'out')}`,
    `test -e /proc/${process.pid} && echo server-visible || echo server-hidden`,
  ].join('; ');
  const run = sandboxed(cfg, mine, '/bin/sh', ['-c', script]);
  const r = spawnSync(run.command, run.args, { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines[0]!.trim().split(' ').sort(), ['sessions', 'shared'], 'only the mounted-back directories');
  assert.equal(lines[1], 'mine');
  assert.deepEqual(lines.slice(2), ['other-hidden', 'store-hidden', 'secret:[]', 'server-hidden']);
  assert.equal(spawnSync('cat', [path.join(cfg.shared.allowedDirs[0]!, 'out')], { encoding: 'utf8' }).stdout, 'written\n', 'shared data written inside is there outside');
});

test('sessions.sandbox: none turns it off; a value it does not know is an error', () => {
  const cfg = defaultConfig();
  cfg.sessions.sandbox = 'none';
  assert.equal(sandboxOn(cfg), false);
  (cfg.sessions as { sandbox: string }).sandbox = 'chroot';
  assert.throws(() => sandboxOn(cfg), /sessions\.sandbox must be auto, bwrap or none/);
});
