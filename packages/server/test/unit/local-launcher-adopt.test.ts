/**
 * The session launcher's drivers outlive the server: a later LocalLauncher adopts a running
 * driver by its session (told the server's new address through the connect file), and finds
 * nothing for one that is gone. In the sandbox when bubblewrap works here, which hides the run
 * directory the adoption relies on. A shell script stands in for the driver; no Spark.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { defaultConfig } from '../../src/config.ts';
import type { DriverProcess } from '../../src/domain/ports/launcher.ts';
import type { SessionRecord } from '../../src/domain/records.ts';
import { connectFile } from '../../src/driver/connect-file.ts';
import type { DetachedProcess } from '../../src/driver/detached-process.ts';
import { LocalLauncher, sessionLogFiles } from '../../src/driver/local-launcher.ts';
import { sandboxOn } from '../../src/driver/sandbox.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-adopt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function collect(p: DriverProcess) {
  const lines: [string, string][] = [];
  p.onOutput((s, l) => lines.push([s, l]));
  const exit = new Promise<[number | null, string | null]>((r) => p.onExit((c, s) => r([c, s])));
  return { lines, exit };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; !pred(); i++) {
    if (i > 500) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a later launcher adopts a running driver by its session, tells it the new address, and finds nothing once it is gone', async () => {
  const cfg = defaultConfig();
  cfg.dataDir = path.join(tmp, 'data');
  cfg.spark.scalaHelperJar = '';
  cfg.spark.python = path.join(tmp, 'python');
  writeFileSync(cfg.spark.python, `#!/bin/sh
echo "up"
echo "err line" >&2
ls "${path.join(cfg.dataDir, 'run')}" > /dev/null 2>&1 && echo run-visible || echo run-hidden
while [ ! -e go ]; do sleep 0.05; done
echo "connect: $(cat "$SPARKPORT_CONNECT_FILE")"
exit 5
`);
  chmodSync(cfg.spark.python, 0o755);
  const session = { id: 7, conf: {}, jars: [], pyFiles: [], files: [], archives: [], name: null, driverMemory: null } as unknown as SessionRecord;
  const workDir = path.join(cfg.dataDir, 'sessions', '7');
  const first = new LocalLauncher(cfg).launch({ session, workDir, connect: '127.0.0.1:1111', token: 'c3'.repeat(32) });
  const seen = collect(first);
  await until(() => seen.lines.length === 3, 'the driver to start');
  assert.equal(readFileSync(connectFile(workDir), 'utf8'), '127.0.0.1:1111', 'the first address is in the file from the start');
  const runDir = sandboxOn(cfg) ? 'run-hidden' : 'run-visible';
  assert.ok(seen.lines.some(([, l]) => l === runDir), `${runDir}: the sandbox hides the run directory`);

  // The first server is gone: nothing watches the driver any more.
  (first as DetachedProcess).release();
  const later = new LocalLauncher(cfg);
  const adopted = later.adopt(session, workDir, '127.0.0.1:2222')!;
  assert.ok(adopted, 'the driver still runs: adopted');
  assert.equal(adopted.pid, first.pid);
  assert.equal(readFileSync(connectFile(workDir), 'utf8'), '127.0.0.1:2222');
  const again = collect(adopted);
  await until(() => again.lines.length === 3, 'the last lines again');
  assert.deepEqual(again.lines.filter(([s]) => s === 'stderr'), [['stderr', 'err line']]);
  assert.deepEqual(again.lines.filter(([s]) => s === 'stdout').map(([, l]) => l)[0], 'up');

  writeFileSync(path.join(workDir, 'go'), '');
  assert.deepEqual(await again.exit, [5, null]);
  assert.ok(again.lines.some(([, l]) => l === 'connect: 127.0.0.1:2222'), 'the driver read the new address');
  assert.match(readFileSync(sessionLogFiles(workDir).stdout, 'utf8'), /^up\n/);
  assert.equal(later.adopt(session, workDir, '127.0.0.1:3333'), null, 'gone: nothing to adopt');
  assert.equal(later.adopt({ ...session, id: 8 }, path.join(cfg.dataDir, 'sessions', '8')), null, 'never launched');
});
