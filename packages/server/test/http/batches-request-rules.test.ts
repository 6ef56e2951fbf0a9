/**
 * Batch request rules through HTTP (app.inject), on a fake spark-submit: validation of the body,
 * the allowed-directory rule for files (symlinks included), URI schemes, and name clashes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;

describe('batch request rules', () => {
  let h: Harness;
  let files: string;
  before(async () => {
    h = await makeHarness((c) => { c.batches.max = 100; });
    files = h.config.batches.allowedDirs[0]!;
    mkdirSync(files, { recursive: true });
  });
  after(async () => { await h.close(); });

  const post = (body: unknown) => h.json('POST', '/batches', body);

  test('missing file, unknown fields, wrong types, bad values and malformed JSON are 400 {msg, code}', async () => {
    const f = path.join(files, 'job.py');
    const cases: [unknown, RegExp][] = [
      [{}, /missing required field 'file'/],
      [{ className: 'x.Main' }, /missing required field 'file'/],
      [{ file: '' }, /file/],
      [{ file: f, kind: 'pyspark' }, /unknown field 'kind'/],
      [{ file: f, ttl: '1h' }, /unknown field 'ttl'/],
      [{ file: 5 }, /file.*string/],
      [{ file: f, args: 'a b' }, /args.*array/],
      [{ file: f, args: [1] }, /args/],
      [{ file: f, driverCores: '2' }, /driverCores.*integer/],
      [{ file: f, conf: { a: 1 } }, /conf/],
      [{ file: f, driverMemory: 'lots' }, /Invalid driverMemory/],
      [{ file: f, name: '42' }, /all digits/],
      [{ file: f, conf: { 'spark.master': 'yarn' } }, /spark\.master/],
      [{ file: f, conf: { 'spark.submit.deployMode': 'cluster' } }, /deployMode/],
      [{ file: 'job.py' }, /must be absolute/],
      ['{"file": ', /Malformed JSON|JSON/],
      ['[1]', /object|body/],
    ];
    for (const [body, re] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.msg, re, JSON.stringify(body));
      assert.equal(typeof r.body.code, 'string');
    }
    assert.equal(h.batchLauncher.launched.length, 0, 'nothing bad was launched');
  });

  test('local files outside batches.allowedDirs are 403 FORBIDDEN_PATH naming the setting, in every file field', async () => {
    const inside = path.join(files, 'job.py');
    const outside = ['/etc/passwd', `${files}/../escape.py`, `file://${path.dirname(files)}/x.py`, `file:/tmp/../etc/x.jar`, `${files}-sibling/job.py`];
    for (const p of outside) {
      for (const body of [{ file: p }, { file: inside, jars: [p] }, { file: inside, pyFiles: [p] }, { file: inside, files: [p] }, { file: inside, archives: [p] }]) {
        const r = await post(body);
        assert.equal(r.status, 403, JSON.stringify(body));
        assert.equal(r.body.code, 'FORBIDDEN_PATH');
        assert.match(r.body.msg, /batches\.allowedDirs/);
      }
    }
    for (const key of ['spark.jars', 'spark.files', 'spark.submit.pyFiles', 'spark.archives', 'spark.yarn.dist.files']) {
      const r = await post({ file: inside, conf: { [key]: `hdfs:///ok.jar,/etc/evil.jar` } });
      assert.equal(r.status, 403, key);
      assert.equal(r.body.code, 'FORBIDDEN_PATH');
    }
    assert.equal(h.batchLauncher.launched.length, 0);
  });

  test('a symlink inside an allowed directory that leads outside is refused', async () => {
    const link = path.join(files, 'sneaky.py');
    symlinkSync('/etc/hostname', link);
    const r = await post({ file: link });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'FORBIDDEN_PATH');
  });

  test('local paths inside are accepted (file: and local: too) as their real paths; other URIs need an allowed scheme', async () => {
    const r = await post({
      file: `file://${files}/sub/../job.py`,
      jars: ['hdfs:///libs/a.jar', 's3a://bucket/b.jar', `local:${files}/c.jar`, `${files}/e.jar`],
      conf: { 'spark.jars': `${files}/f.jar, s3a://bucket/g.jar` },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const a = h.batchLauncher.launched.at(-1)!.submitArgs;
    assert.equal(a.at(-1), path.join(files, 'job.py'));
    assert.equal(a[a.indexOf('--jars') + 1], `hdfs:///libs/a.jar,s3a://bucket/b.jar,local:${files}/c.jar,${files}/e.jar`);
    assert.ok(a.includes(`spark.jars=${files}/f.jar,s3a://bucket/g.jar`), 'conf file lists are passed as checked');
    const remote = await post({ file: 's3a://bucket/jobs/main.py', args: ['--x'] });
    assert.equal(remote.status, 201);
    assert.deepEqual(h.batchLauncher.launched.at(-1)!.submitArgs.slice(-2), ['s3a://bucket/jobs/main.py', '--x']);
  });

  test('local: outside the directories, unlisted schemes, commas, globs and escapes are refused before anything runs', async () => {
    const before = h.batchLauncher.launched.length;
    const inside = path.join(files, 'job.py');
    const forbidden = [{ file: '/outside/evil.py' }, { file: 'local:/outside/evil.py' }, { file: inside, pyFiles: ['local:///etc/x.py'] }];
    for (const body of forbidden) {
      const r = await post(body);
      assert.equal(r.status, 403, JSON.stringify(body));
      assert.equal(r.body.code, 'FORBIDDEN_PATH');
    }
    const invalid: [unknown, RegExp][] = [
      [{ file: 'http://evil/x.py' }, /scheme 'http:' is not allowed.*spark\.allowedSchemes/],
      [{ file: inside, jars: ['ivy://org.evil:x:1.0'] }, /scheme 'ivy:'/],
      [{ file: inside, conf: { 'spark.jars': 'http://evil/x.jar' } }, /scheme 'http:'/],
      [{ file: inside, jars: [`${files}/a.jar,/etc/evil.jar`] }, /comma/],
      [{ file: `${files}/{a,../../etc/evil}.py` }, /comma/],
      [{ file: `${files}/*/job.py` }, /character not accepted/],
      [{ file: inside, files: [`file:${files}/%2e%2e/%2e%2e/etc/passwd`] }, /character not accepted/],
      [{ file: inside, archives: [`${files}/env.tgz#../../x`] }, /after '#'/],
    ];
    for (const [body, re] of invalid) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.msg, re);
    }
    assert.equal(h.batchLauncher.launched.length, before);
  });

  test('duplicate names are 409 NAME_TAKEN while the first is listed', async () => {
    const f = path.join(files, 'job.py');
    assert.equal((await post({ file: f, name: 'nightly' })).status, 201);
    const r = await post({ file: f, name: 'nightly' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'NAME_TAKEN');
  });
});
