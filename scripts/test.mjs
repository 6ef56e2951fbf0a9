#!/usr/bin/env node
// The whole suite: typecheck, unit tests (TypeScript and Python), then end-to-end tests on real
// Spark through the real HTTP API, against one server started here for all of them (they share
// sessions, because a Spark driver costs seconds and a gigabyte). Ends with one summary line.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = `file://${root}/node_modules/tsx/dist/loader.mjs`;
const only = process.argv.slice(2).find((a) => !a.startsWith('-'));
const totals = { passed: 0, failed: 0 };

const files = (dir) => existsSync(path.join(root, dir))
  ? readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f))
  : [];
// Tests say what they are by their folder, in every package and language: test/unit (no
// process, no port), test/http (the app in-process, fake drivers), test/e2e (real Spark).
const packageTests = (kind) => readdirSync(path.join(root, 'packages')).flatMap((p) => files(`packages/${p}/test/${kind}`));

function runTee(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; process.stdout.write(c); });
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

function count(out, kind) {
  if (kind === 'node') {
    const p = /^# pass (\d+)/m.exec(out), f = /^# fail (\d+)/m.exec(out);
    return { passed: Number(p?.[1] ?? 0), failed: Number(f?.[1] ?? 0) };
  }
  const p = /(\d+) passed/.exec(out), f = /(\d+) failed/.exec(out), e = /(\d+) error/.exec(out);
  return { passed: Number(p?.[1] ?? 0), failed: Number(f?.[1] ?? 0) + Number(e?.[1] ?? 0) };
}

async function step(name, fn) {
  process.stdout.write(`\n=== ${name}\n`);
  const r = await fn();
  totals.passed += r.passed;
  totals.failed += r.failed + (r.code && !r.failed ? 1 : 0);
  return r;
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url)).ok) return true; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

if (!only || only === 'unit') {
  await step('typecheck', async () => {
    // The server, clients and tests; then the web UI, which has the browser's types instead of Node's.
    const ok = ['tsconfig.json', 'packages/web/tsconfig.json']
      .map((p) => spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', p], { cwd: root, stdio: 'inherit' }).status === 0);
    const failed = ok.filter((x) => !x).length;
    return { passed: ok.length - failed, failed, code: 0 };
  });
  await step('unit and in-process HTTP tests (TypeScript)', async () => {
    const r = await runTee('node', ['--import', tsx, '--test', '--test-reporter=tap', ...packageTests('unit'), ...packageTests('http')]);
    return { ...count(r.out, 'node'), code: r.code };
  });
  await step('unit and driver tests (Python)', async () => {
    const r = await runTee(path.join(root, '.venv/bin/python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'driver/test'],
      { SPARK_LOCAL_IP: '127.0.0.1' });
    return { ...count(r.out, 'pytest'), code: r.code };
  });
  await step('Python client unit tests', async () => {
    const r = await runTee(path.join(root, '.venv/bin/python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'clients/python/test']);
    return { ...count(r.out, 'pytest'), code: r.code };
  });
}

if (!only || only === 'e2e') {
  await step('end-to-end tests (real Spark through HTTP)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-e2e-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawn(path.join(root, 'bin/sparkport'), ['serve', '--port', String(port), '--data-dir', dataDir], {
      cwd: root,
      env: {
        ...process.env, SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '768m', SPARKPORT_SPARK__MASTER: 'local[2]',
        // test/e2e/10-batches.test.ts writes its jobs here.
        SPARKPORT_BATCHES__ALLOWED_DIRS: path.join(os.tmpdir(), 'sparkport-e2e-batch-files'),
        // Every answer real Spark leads to is checked against the API's declared schemas.
        SPARKPORT_HTTP__CHECK_RESPONSES: 'true', SPARKPORT_SHUTDOWN__STOP_DRIVERS: 'true', SPARKPORT_SESSIONS__RECONNECT_GRACE_MS: '60000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      if (!(await waitHttp(`${url}/version`, 60_000))) return { passed: 0, failed: 1, code: 1 };
      const r = await runTee('node', ['--import', tsx, '--test', '--test-reporter=tap', '--test-concurrency=1', ...files('test/e2e')],
        { SPARKPORT_URL: url, E2E_SHARED_DIR: path.join(dataDir, 'shared') });
      return { ...count(r.out, 'node'), code: r.code };
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => { server.on('exit', r); setTimeout(r, 20_000).unref(); });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(totals.failed ? 1 : 0);
