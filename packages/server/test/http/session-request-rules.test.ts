/**
 * What a session's create request may name, through HTTP on fake drivers: blocked Spark
 * settings (400 naming key and reason), local files only from the allowed directories, URIs only
 * with allowed schemes, and shared-data paths that don't escape by `..` or a symbolic link.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

describe('session request rules', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let files: string;
  let shared: string;
  let outside: string;
  before(async () => {
    h = await makeHarness((c) => { c.sessions.max = 50; });
    files = h.config.batches.allowedDirs[0]!;
    shared = h.config.shared.allowedDirs[0]!;
    outside = path.join(h.config.dataDir, 'outside');
    for (const d of [files, shared, outside]) mkdirSync(d, { recursive: true });
  });
  after(async () => { await h.close(); });

  const create = (body: unknown) => h.json('POST', '/sessions', body);

  test('blocked settings are 400 naming the key and why, and no driver is launched', async () => {
    const before = h.launcher.procs.length;
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'spark.driver.extraJavaOptions': '-XX:OnOutOfMemoryError=id' }, /'spark\.driver\.extraJavaOptions': JVM options/],
      [{ 'spark.driver.extraJavaOptions': '-javaagent:/tmp/a.jar' }, /-javaagent/],
      [{ 'spark.jars': 'http://evil/x.jar' }, /scheme 'http:' is not allowed/],
      [{ 'spark.sql.warehouse.dir': '/etc' }, /'spark\.sql\.warehouse\.dir'/],
      [{ 'spark.pyspark.python': '/bin/sh' }, /Python executable/],
      [{ 'spark.driver.memory': '1g -javaagent:/x.jar' }, /Invalid spark\.driver\.memory/],
    ];
    for (const [conf, re] of cases) {
      const r = await create({ kind: 'pyspark', conf });
      assert.equal(r.status, 400, JSON.stringify(conf));
      assert.equal(r.body.code, 'VALIDATION');
      assert.match(r.body.msg, re);
    }
    assert.equal(h.launcher.procs.length, before);
  });

  test('local files come from the allowed directories (batches.allowedDirs unless sessions.allowedDirs is set)', async () => {
    const denied = await create({ kind: 'pyspark', jars: ['/etc/passwd'] });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.code, 'FORBIDDEN_PATH');
    assert.match(denied.body.msg, /sessions\.allowedDirs/);
    const ok = await create({ kind: 'pyspark', jars: [`${files}/lib/../a.jar`, 'hdfs:///b.jar'], pyFiles: [`local:${files}/dep.zip`] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.jars, [path.join(files, 'a.jar'), 'hdfs:///b.jar'], 'stored and launched as checked');
    assert.deepEqual(h.launcher.launched.at(-1)!.session.pyFiles, [`local:${files}/dep.zip`]);
    assert.equal((await create({ kind: 'pyspark', files: ['https://evil/x.txt'] })).status, 400);
    const own = path.join(h.config.dataDir, 'session-jars');
    h.config.sessions.allowedDirs = [own];
    try {
      assert.equal((await create({ kind: 'pyspark', jars: [`${files}/a.jar`] })).status, 403, 'now only the sessions\' own directory');
      assert.equal((await create({ kind: 'pyspark', jars: [`${own}/a.jar`] })).status, 201);
    } finally {
      h.config.sessions.allowedDirs = [];
    }
  });

  test('shared save, load and preload refuse symbolic links and .. out of shared.allowedDirs', async () => {
    writeFileSync(path.join(outside, 'secret.json'), '{}');
    symlinkSync(outside, path.join(shared, 'out'));
    symlinkSync(path.join(outside, 'secret.json'), path.join(shared, 'secret.json'));
    const preload = await create({ kind: 'pyspark', preload: { s: { path: path.join(shared, 'secret.json'), format: 'json' } } });
    assert.equal(preload.status, 403);
    const sid = (await create({ kind: 'pyspark' })).body.id;
    await h.waitState(sid, 'idle');
    const sent = h.launcher.procs.at(-1)!.received.length;
    const refused = [
      ['save', { path: path.join(shared, 'out', 'x') }],
      ['save', { path: `${shared}/../outside/x` }],
      ['save', { path: shared, mode: 'overwrite' }],
      ['load', { path: path.join(shared, 'secret.json'), format: 'json' }],
      ['load', { path: path.join(shared, 'out', 'secret.json'), format: 'json' }],
    ] as const;
    for (const [op, body] of refused) {
      const r = await h.json('POST', `/sessions/${sid}/shared/m/${op}`, body);
      assert.equal(r.status, 403, `${op} ${JSON.stringify(body)}`);
      assert.equal(r.body.code, 'FORBIDDEN_PATH');
    }
    assert.equal(h.launcher.procs.at(-1)!.received.length, sent, 'the driver was never asked');
  });
});
