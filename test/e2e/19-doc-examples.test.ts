/**
 * The curl examples of README.md and docs/API.md, run as written against the real server: only
 * the address, and the session the examples call 0 (or demo), are replaced by this run's.
 * Each must get a 2xx. This is what keeps the documentation honest when the code moves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BASE, api } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hostPort = new URL(BASE).host;

/** Every curl command of the ```sh blocks of a markdown file, continuation lines joined. */
function curlCommands(file: string): string[] {
  const md = readFileSync(path.join(root, file), 'utf8');
  const blocks = [...md.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, '').split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('curl '));
}

function runCurl(cmd: string, session: number): { status: number; body: string } {
  const local = cmd
    .replaceAll('localhost:8998', hostPort)
    .replace(/\/sessions\/(0|demo)(?=[/' ]|$)/g, `/sessions/${session}`);
  // A statement's stream ends with it; a session's lasts as long as the session, so streams are
  // cut after a few seconds (the status line is in by then). ?wait requests may outlast a start.
  const maxTime = cmd.startsWith('curl -N') ? 5 : 150;
  const r = spawnSync('bash', ['-c', `${local} --max-time ${maxTime} -w '\\n%{http_code}'`], { encoding: 'utf8', timeout: 180_000 });
  const lines = (r.stdout ?? '').trimEnd().split('\n');
  return { status: Number(lines.at(-1)), body: lines.slice(0, -1).join('\n') };
}

test('README and docs/API.md curl examples work as written', { timeout: 300_000 }, async () => {
  const readme = curlCommands('README.md');
  const doc = curlCommands('docs/API.md');
  assert.ok(readme.length >= 7 && doc.length >= 6, `found ${readme.length} + ${doc.length} examples`);
  const [create, ...rest] = readme;
  const made = runCurl(create!, 0);
  assert.equal(made.status, 201, made.body);
  const id = JSON.parse(made.body).id as number;
  const deleteLast = rest.filter((c) => c.includes('-X DELETE'));
  let demo: number | undefined;
  try {
    for (const cmd of [...rest.filter((c) => !c.includes('-X DELETE')), ...doc]) {
      // The batch example names the operator's own files (/srv/jobs), which this machine lacks.
      if (cmd.includes('/batches')) continue;
      const r = runCurl(cmd, id);
      assert.ok(r.status >= 200 && r.status < 300, `${cmd}\n→ ${r.status} ${r.body}`);
      if (cmd.includes('"name":"demo"')) demo = JSON.parse(r.body).id;
    }
  } finally {
    if (demo !== undefined) await api('DELETE', `/sessions/${demo}`);
  }
  for (const cmd of deleteLast) {
    const r = runCurl(cmd, id);
    assert.equal(r.status, 200, `${cmd}\n→ ${r.body}`);
  }
});
