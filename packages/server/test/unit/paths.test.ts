/**
 * No path escapes an allowed directory, by `..` or by a symbolic link, either way: real links
 * in temporary directories, for shared data (checkDataPath) and for the files sessions and
 * batches name (checkFileRef).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import { checkFileRef, checkFileList, type FileRules } from '../../src/domain/file-refs.ts';
import { checkDataPath, realPathOf } from '../../src/domain/paths.ts';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'sparkport-paths-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

const allowed = path.join(tmp, 'allowed');
const outside = path.join(tmp, 'outside');
mkdirSync(path.join(allowed, 'sub'), { recursive: true });
mkdirSync(outside);
writeFileSync(path.join(outside, 'secret.txt'), 'secret');
writeFileSync(path.join(allowed, 'ok.parquet'), '');
symlinkSync(path.join(outside, 'secret.txt'), path.join(allowed, 'file-link'));
symlinkSync(outside, path.join(allowed, 'dir-link'));
symlinkSync(path.join(outside, 'not-yet'), path.join(allowed, 'dangling'));
symlinkSync(path.join(allowed, 'sub'), path.join(allowed, 'inner-link'));
// An allowed directory that is itself reached through a link: its real place counts.
symlinkSync(allowed, path.join(tmp, 'alias'));

const dirs = [allowed];
function refused(fn: () => unknown, code: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

describe('checkDataPath: shared save, load and preload', () => {
  test('a path inside comes back as its real path; one to be created too', () => {
    assert.equal(checkDataPath(path.join(allowed, 'ok.parquet'), dirs), path.join(allowed, 'ok.parquet'));
    assert.equal(checkDataPath(`${allowed}/sub/../new/deeper`, dirs), path.join(allowed, 'new', 'deeper'));
    assert.equal(checkDataPath(`file://${allowed}/x`, dirs), path.join(allowed, 'x'));
    assert.equal(checkDataPath(path.join(allowed, 'inner-link', 'x'), dirs), path.join(allowed, 'sub', 'x'), 'a link that stays inside is fine');
    assert.equal(checkDataPath(path.join(tmp, 'alias', 'x'), [path.join(tmp, 'alias')]), path.join(allowed, 'x'));
  });

  test('.. out of the directory is refused', () => {
    refused(() => checkDataPath(`${allowed}/../outside/secret.txt`, dirs), 'FORBIDDEN_PATH', /outside the allowed directories.*shared\.allowedDirs/);
    refused(() => checkDataPath(`${allowed}-sibling/x`, dirs), 'FORBIDDEN_PATH');
    refused(() => checkDataPath(`file:${allowed}/../../etc/passwd`, dirs), 'FORBIDDEN_PATH');
  });

  test('reading through a link that leads out is refused (a file, or a directory on the way)', () => {
    refused(() => checkDataPath(path.join(allowed, 'file-link'), dirs), 'FORBIDDEN_PATH', /symbolic link/);
    refused(() => checkDataPath(path.join(allowed, 'dir-link', 'secret.txt'), dirs), 'FORBIDDEN_PATH', /symbolic link/);
  });

  test('writing where the parent is a link out, or through a link to nowhere, is refused', () => {
    refused(() => checkDataPath(path.join(allowed, 'dir-link', 'new-save'), dirs), 'FORBIDDEN_PATH', /symbolic link/);
    refused(() => checkDataPath(path.join(allowed, 'dir-link', 'a', 'b'), dirs), 'FORBIDDEN_PATH');
    refused(() => checkDataPath(path.join(allowed, 'dangling'), dirs), 'FORBIDDEN_PATH', /leads nowhere/);
    refused(() => checkDataPath(path.join(allowed, 'dangling', 'x'), dirs), 'FORBIDDEN_PATH');
  });

  test('the allowed directory itself is not a target (an overwrite would replace it)', () => {
    refused(() => checkDataPath(allowed, dirs), 'FORBIDDEN_PATH', /itself/);
    refused(() => checkDataPath(`${allowed}/sub/..`, dirs), 'FORBIDDEN_PATH', /itself/);
  });

  test('globs, escapes and relative paths are 400; other URIs pass through to their filesystem', () => {
    for (const p of [`${allowed}/{x,../../outside}`, `${allowed}/*`, `${allowed}/%2e%2e/x`, `${allowed}/a\nb`]) {
      refused(() => checkDataPath(p, dirs), 'VALIDATION');
    }
    refused(() => checkDataPath('relative/x', dirs), 'VALIDATION', /absolute/);
    assert.equal(checkDataPath('hdfs://nn:8020/data/x', dirs, ['hdfs']), 'hdfs://nn:8020/data/x');
  });

  test('a URI needs its scheme in spark.allowedSchemes: http: would fetch from any address (cloud metadata included)', () => {
    const schemes = ['hdfs', 'S3A'];
    for (const p of ['http://169.254.169.254/latest/meta-data/iam', 'https://evil/x', 'ftp://evil/x', 'local:/etc/passwd', 'gs://b/x']) {
      refused(() => checkDataPath(p, dirs, schemes), 'VALIDATION', new RegExp(`scheme '${p.split(':')[0]}:' is not allowed.*spark\.allowedSchemes`));
    }
    refused(() => checkDataPath('s3a://b/x', dirs, []), 'VALIDATION', /allowed: none/);
    assert.equal(checkDataPath('s3a://bucket/x', dirs, schemes), 's3a://bucket/x', 'schemes compare in lower case');
    assert.equal(checkDataPath(`file://${allowed}/x`, dirs, []), path.join(allowed, 'x'), 'file: is a local path, not a scheme to allow');
  });

  test('realPathOf resolves the deepest existing ancestor', () => {
    assert.equal(realPathOf(path.join(allowed, 'dir-link', 'no', 'such')), path.join(outside, 'no', 'such'));
    assert.equal(realPathOf('/no/such/place'), '/no/such/place');
  });
});

describe('checkFileRef: jars, pyFiles, files, archives and a batch\'s file', () => {
  const rules: FileRules = { dirs, dirsSetting: 'batches.allowedDirs', schemes: ['hdfs', 's3a'] };

  test('local paths (plain, file:, local:) must be inside; local: and an alias are kept', () => {
    assert.equal(checkFileRef(`${allowed}/sub/../a.jar`, rules), path.join(allowed, 'a.jar'));
    assert.equal(checkFileRef(`local:${allowed}/a.jar`, rules), `local:${allowed}/a.jar`);
    assert.equal(checkFileRef(`local://${allowed}/a.jar`, rules), `local:${allowed}/a.jar`);
    assert.equal(checkFileRef(`file://${allowed}/env.tgz#env`, rules), `${allowed}/env.tgz#env`);
    refused(() => checkFileRef('local:/outside/evil.py', rules), 'FORBIDDEN_PATH', /batches\.allowedDirs/);
    refused(() => checkFileRef('/etc/passwd', rules), 'FORBIDDEN_PATH');
    refused(() => checkFileRef(`local:${allowed}/dir-link/secret.txt`, rules), 'FORBIDDEN_PATH', /symbolic link/);
    refused(() => checkFileRef(path.join(allowed, 'file-link'), rules), 'FORBIDDEN_PATH');
  });

  test('URIs need an allowed scheme', () => {
    assert.equal(checkFileRef('hdfs:///libs/a.jar', rules), 'hdfs:///libs/a.jar');
    assert.equal(checkFileRef('S3A://bucket/a.jar', rules), 'S3A://bucket/a.jar');
    for (const p of ['http://evil/x.jar', 'https://evil/x.jar', 'ftp://evil/x.jar', 'ivy://org:x:1', 'gs://b/x.jar']) {
      refused(() => checkFileRef(p, rules), 'VALIDATION', /spark\.allowedSchemes/);
    }
  });

  test('commas, bad aliases and globs are refused; a list is rebuilt from its checked entries', () => {
    refused(() => checkFileRef(`${allowed}/a.jar,/etc/passwd`, rules), 'VALIDATION', /comma/);
    refused(() => checkFileRef(`${allowed}/env.tgz#../x`, rules), 'VALIDATION', /after '#'/);
    refused(() => checkFileRef(`${allowed}/env.tgz#`, rules), 'VALIDATION');
    refused(() => checkFileRef(`${allowed}/[ab].jar`, rules), 'VALIDATION');
    assert.equal(checkFileList(` ${allowed}/x/../a.jar , hdfs:///b.jar,`, rules), `${allowed}/a.jar,hdfs:///b.jar`);
    refused(() => checkFileList(`hdfs:///b.jar,${allowed}/../outside/secret.txt`, rules), 'FORBIDDEN_PATH');
  });
});
