/**
 * A schema-based fuzzer (schemathesis, from PyPI, in .venv-fuzz) against a live server of its
 * own, with authentication on: it reads /openapi.json, generates valid and invalid requests for
 * every operation, and checks each answer. The server must give no 5xx, every response must
 * match its declared schema and status codes, and an operation that needs a login must refuse
 * one without. The server runs with the response check on, so any drift it notices is a 500
 * the fuzzer reports.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { ROOT, startOwnServer } from './own-server.ts';

const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 90);

function run(cmd: string, args: string[], o: { timeout: number; cwd: string; env: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout);
    child.on('close', () => { clearTimeout(timer); resolve({ stdout, stderr }); });
  });
}


test('schemathesis against the live server with Basic authentication: no 5xx, every response as declared', { timeout: (FUZZ_SECONDS + 180) * 1000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-fuzz-'));
  const htpasswd = path.join(dir, 'htpasswd');
  writeFileSync(htpasswd, `fuzz:${bcrypt.hashSync('fuzz-secret', 8)}\n`);
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({
    auth: { basic: { htpasswdFile: htpasswd } },
    // Few drivers: the fuzzer may create sessions, and each is a JVM on a 2-core machine.
    sessions: { max: 2, maxStarting: 1 },
    batches: { max: 2 },
    http: { checkResponses: true },
  }));
  const server = await startOwnServer({ dataDir: path.join(dir, 'data'), args: ['--config', config], env: { SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '512m' } });
  try {
    const report = path.join(dir, 'report.json');
    // Not spawnSync: this process must go on reading the server's log while the fuzzer runs,
    // or the server would block writing to a full pipe.
    const r = await run(path.join(ROOT, '.venv-fuzz/bin/schemathesis'), [
      'run', `${server.base}/openapi.json`,
      '--auth', 'fuzz:fuzz-secret',
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth',
      '--max-time', String(FUZZ_SECONDS), '--workers', '1', '--request-timeout', '30', '--seed', '20261130',
      '--no-color', '--report', 'json', '--report-json-path', report,
    ], { timeout: (FUZZ_SECONDS + 120) * 1000, cwd: dir, env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    t.diagnostic(`schemathesis generated ${summary.test_cases.generated} requests over ${summary.operations.tested} operations`);
    assert.equal(summary.operations.tested, summary.operations.total, out.slice(-3000));
    assert.deepEqual(summary.failures, [], out.slice(-6000));
    assert.deepEqual(summary.errors, [], out.slice(-6000));
    assert.ok(summary.test_cases.generated >= 500, `only ${summary.test_cases.generated} requests`);
    assert.doesNotMatch(server.stderr(), /response check|internal error/, 'the server noticed no drift and no internal error');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
