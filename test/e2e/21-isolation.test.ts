/**
 * What a request can make the server do to its own machine, on real Spark: a server of its own
 * (started here, with a secret in its environment) shows that session code, its JVM, its Python
 * workers and a batch see none of the server's environment and no token; that the data directory
 * and store are the server user's alone; that blocked settings, outside files and symbolic links
 * out of the allowed directories are refused before anything runs.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, run, text, waitForState } from './helpers.ts';
import { freePort, startOwnServer } from './own-server.ts';

const SECRET = 'xyz-server-secret-21';

const serve = async (dataDir: string, port: number, batchDir: string) =>
  (await startOwnServer({ dataDir, port, env: { SECRET_TOKEN: SECRET, SPARKPORT_BATCHES__ALLOWED_DIRS: batchDir } })).child;

/** Python that looks for the secret and for anything shaped like a token in this process's environment. */
const PROBE = `
import os, re
print("SECRET", os.environ.get("SECRET_TOKEN"))
print("TOKEN_VARS", sorted(k for k in os.environ if k.startswith("SPARKPORT_TOKEN")))
print("TOKEN_IN_PROC", bool(re.search(rb"[0-9a-f]{64}", open("/proc/self/environ", "rb").read())))
`;

describe('isolation of what requests run', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-isolation-e2e-'));
  const dataDir = path.join(tmp, 'data');
  const batchDir = path.join(tmp, 'batch-files');
  const outside = path.join(tmp, 'outside');
  let child: ChildProcess | undefined;
  let base = '';
  let sid = -1;

  before(async () => {
    mkdirSync(batchDir, { recursive: true });
    mkdirSync(outside, { recursive: true });
    // A data directory that already exists, open to all: the server closes it at start.
    mkdirSync(dataDir, { mode: 0o755 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = await serve(dataDir, port, batchDir);
  });
  after(async () => {
    if (sid >= 0) await api('DELETE', `/sessions/${sid}`, undefined, base).catch(() => undefined);
    child?.kill('SIGTERM');
    await new Promise((r) => { child?.once('exit', r); setTimeout(r, 20_000).unref(); });
    rmSync(tmp, { recursive: true, force: true });
  });

  test('blocked settings and outside files are refused before a driver starts', async () => {
    const bad: [unknown, number, RegExp][] = [
      [{ kind: 'pyspark', conf: { 'spark.driver.extraJavaOptions': `-XX:OnOutOfMemoryError=touch ${outside}/pwned` } }, 400, /spark\.driver\.extraJavaOptions/],
      [{ kind: 'pyspark', conf: { 'spark.driver.extraJavaOptions': `-javaagent:${outside}/a.jar` } }, 400, /javaagent/],
      [{ kind: 'pyspark', conf: { 'spark.jars': 'http://evil.example/x.jar' } }, 400, /scheme 'http:'/],
      [{ kind: 'pyspark', conf: { 'spark.sql.warehouse.dir': '/etc' } }, 400, /spark\.sql\.warehouse\.dir/],
      [{ kind: 'pyspark', jars: ['/etc/passwd'] }, 403, /allowed directories/],
    ];
    for (const [body, status, re] of bad) {
      const r = await api('POST', '/sessions', body, base);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.body.msg, re);
    }
    assert.equal((await api('GET', '/sessions', undefined, base)).body.total, 0, 'no session was created');
  });

  test('session code, its JVM and its Python workers see none of the server environment, and no token', async () => {
    const created = await api('POST', '/sessions', { kind: 'pyspark' }, base);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sid = created.body.id;
    await waitForState(sid, ['idle'], 180_000, base);
    const out = text(await run(sid, `${PROBE}\nprint("CWD_MODE", oct(os.stat(".").st_mode & 0o777))\nprint("FILES", sorted(os.listdir(".")))`, undefined, base));
    assert.match(out, /^SECRET None$/m);
    assert.match(out, /^TOKEN_VARS \[\]$/m);
    assert.match(out, /^TOKEN_IN_PROC False$/m);
    assert.match(out, /^CWD_MODE 0o700$/m);
    assert.doesNotMatch(out, /driver\.token/, 'the token file is gone');
    assert.equal(text(await run(sid, 'print(sc._jvm.java.lang.System.getenv("SECRET_TOKEN"))', undefined, base)).trim(), 'None');
    const workers = text(await run(sid, 'print(sc.parallelize([1], 1).map(lambda _: __import__("os").environ.get("SECRET_TOKEN")).collect())', undefined, base));
    assert.equal(workers.trim(), '[None]');
  });

  test('a session cannot take the place its driver calls back to: the server socket is read-only to it, and no TCP port is used', async () => {
    const sockDir = path.join(dataDir, 'driver-socket');
    const out = text(await run(sid, `
import os, socket
d = ${JSON.stringify(sockDir)}
print("CONNECT", open("driver.connect").read())
try:
    os.rename(d + "/driver.sock", d + "/moved")
    print("RENAMED")
except OSError as e:
    print("RENAME", e.errno)
s = socket.socket(socket.AF_UNIX)
try:
    s.bind(d + "/squat.sock")
    print("BOUND")
except OSError as e:
    print("BIND", e.errno)
print("KEY", os.path.exists(${JSON.stringify(path.join(dataDir, 'driver-session.key'))}))
`, undefined, base));
    assert.match(out, new RegExp(`^CONNECT unix:${sockDir}/driver\.sock$`, 'm'), 'a local driver calls back on the Unix socket');
    assert.match(out, /^RENAME 30$/m, 'EROFS: the socket cannot be moved away');
    assert.match(out, /^BIND 30$/m, 'EROFS: no socket of its own beside it');
    assert.match(out, /^KEY False$/m, 'the session-token key is out of sight');
  });

  test('the data directory is 700, the store and the work directories the server user\'s alone', () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(dataDir), 0o700, 'an existing data directory is closed at start');
    for (const f of ['sparkport.db', 'sparkport.db-wal', 'sparkport.db-shm']) {
      if (existsSync(path.join(dataDir, f))) assert.equal(mode(path.join(dataDir, f)), 0o600, f);
    }
    assert.equal(mode(path.join(dataDir, 'sessions', String(sid))), 0o700);
  });

  test('shared save and load refuse symbolic links out of the allowed directory, both ways', async () => {
    const shared = path.join(dataDir, 'shared');
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(outside, 'secret.json'), '{"key":"k","value":"stolen"}\n');
    symlinkSync(outside, path.join(shared, 'out'));
    await api('PUT', `/sessions/${sid}/shared/m/k`, '1', base);
    const save = await api('POST', `/sessions/${sid}/shared/m/save`, { path: path.join(shared, 'out', 'written'), format: 'json' }, base);
    assert.equal(save.status, 403, JSON.stringify(save.body));
    assert.equal(existsSync(path.join(outside, 'written')), false);
    const load = await api('POST', `/sessions/${sid}/shared/got/load`, { path: path.join(shared, 'out', 'secret.json'), format: 'json', as: 'map' }, base);
    assert.equal(load.status, 403, JSON.stringify(load.body));
    const up = await api('POST', `/sessions/${sid}/shared/m/save`, { path: `${shared}/../../outside/up`, format: 'json' }, base);
    assert.equal(up.status, 403);
    const ok = await api('POST', `/sessions/${sid}/shared/m/save`, { path: path.join(shared, 'fine'), format: 'json' }, base);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('a batch sees none of the server environment; local: outside the allowed directories never runs', async () => {
    const marker = path.join(outside, 'evil-ran');
    writeFileSync(path.join(outside, 'evil.py'), `open(${JSON.stringify(marker)}, "w").write("ran")\n`);
    for (const file of [`local:${outside}/evil.py`, `${batchDir}/../outside/evil.py`]) {
      const r = await api('POST', '/batches', { file }, base);
      assert.equal(r.status, 403, file);
      assert.equal(r.body.code, 'FORBIDDEN_PATH');
    }
    symlinkSync(path.join(outside, 'evil.py'), path.join(batchDir, 'linked.py'));
    assert.equal((await api('POST', '/batches', { file: path.join(batchDir, 'linked.py') }, base)).status, 403);
    assert.equal(existsSync(marker), false);

    writeFileSync(path.join(batchDir, 'probe.py'), PROBE);
    const b = await api('POST', '/batches', { file: `local:${batchDir}/probe.py`, driverMemory: '512m' }, base);
    assert.equal(b.status, 201, JSON.stringify(b.body));
    let state = '';
    for (let i = 0; i < 600 && !['success', 'dead', 'killed'].includes(state); i++) {
      await new Promise((r) => setTimeout(r, 300));
      state = (await api('GET', `/batches/${b.body.id}/state`, undefined, base)).body.state;
    }
    const log = (await api('GET', `/batches/${b.body.id}/log?size=-1`, undefined, base)).body.log.join('\n');
    assert.equal(state, 'success', log);
    assert.match(log, /SECRET None/);
    assert.match(log, /TOKEN_VARS \[\]/);
    assert.equal(statSync(path.join(dataDir, 'batches', String(b.body.id))).mode & 0o777, 0o700);
  });
});
