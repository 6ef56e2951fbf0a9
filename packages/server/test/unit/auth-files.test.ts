/**
 * The credentials files: htpasswd (bcrypt only, a clear message for anything else), the tokens
 * file (hashes only), and how both are re-read when they change and fail closed when they break.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { parseHtpasswd } from '../../src/http/auth/basic.ts';
import { looksLikeJwt, parseTokens } from '../../src/http/auth/tokens.ts';
import { WatchedFile } from '../../src/http/auth/watched-file.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-files-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const hash = bcrypt.hashSync('pw', 4);
const sha = 'a'.repeat(64);

describe('htpasswd file', () => {
  test('bcrypt lines in all three spellings; comments and blank lines ignored; $2y$ read as $2b$', () => {
    const users = parseHtpasswd(`# team\n\nalice:${hash}\nbob:${hash.replace('$2b$', '$2y$')}\r\ncarol:${hash.replace('$2b$', '$2a$')}\n`);
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
    assert.equal(users.get('bob'), hash);
    assert.ok(bcrypt.compareSync('pw', users.get('carol')!));
  });

  test('anything but bcrypt is refused, naming the line, the user and the kind, never the hash', () => {
    const cases: [string, RegExp][] = [
      ['$apr1$abc$0123456789abcdefghijkl', /line 2 \(user "bob"\) has an MD5 \(\$apr1\$\) hash; only bcrypt is accepted .*htpasswd -B/],
      ['{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', /SHA-1/],
      ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', /an argon2 hash; only bcrypt/],
      ['xyzzy', /crypt\(\) or plain-text/],
      ['$2b$10$short', /malformed bcrypt/],
    ];
    for (const [h, re] of cases) {
      assert.throws(() => parseHtpasswd(`alice:${hash}\nbob:${h}\n`), (e: Error) => re.test(e.message) && !e.message.includes(h), h);
    }
  });

  test('malformed lines, bad names and duplicates are refused', () => {
    assert.throws(() => parseHtpasswd('no-colon\n'), /line 1 is not user:hash/);
    assert.throws(() => parseHtpasswd(`:${hash}\n`), /line 1 is not user:hash/);
    assert.throws(() => parseHtpasswd(`a\u0001b:${hash}\n`), /control characters/);
    assert.throws(() => parseHtpasswd(`alice:${hash}\nalice:${hash}\n`), /line 2: user "alice" appears twice/);
  });
});

describe('tokens file', () => {
  test('user:sha256-hex lines; the hash is case-insensitive', () => {
    const entries = parseTokens(`# ci\nci-bot:${sha}\nops:${'B'.repeat(64)}\n`);
    assert.deepEqual(entries.map((e) => e.user), ['ci-bot', 'ops']);
    assert.equal(entries[1]!.digest.toString('hex'), 'b'.repeat(64));
  });

  test('anything else is refused without echoing the line', () => {
    assert.throws(() => parseTokens('ci-bot:s3cret-token\n'), (e: Error) => /line 1 \(user "ci-bot"\).*64 hex digits.*sha256sum/.test(e.message) && !e.message.includes('s3cret'));
    assert.throws(() => parseTokens(`${sha}\n`), /line 1: is not user:sha256-hex/);
    assert.throws(() => parseTokens(`a:${sha}\nb:${sha}\n`), /line 2: the same token hash appears twice/);
  });

  test('JWT shape', () => {
    assert.ok(looksLikeJwt('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'));
    assert.ok(!looksLikeJwt('d6a3f1c2b4e5'));
    assert.ok(!looksLikeJwt('a.b'));
  });
});

describe('a watched credentials file', () => {
  const file = path.join(tmp, 'users');
  const logs: string[] = [];
  const parse = (text: string) => {
    if (text.includes('BAD')) throw new Error('bad line');
    return text.trim().split('\n');
  };

  test('a missing or invalid file stops the start with a message naming the setting and the file', () => {
    assert.throws(() => new WatchedFile(path.join(tmp, 'nope'), 'htpasswd file (auth.basic.htpasswdFile)', parse, () => undefined),
      /Cannot read the htpasswd file \(auth\.basic\.htpasswdFile\) .*nope: ENOENT/);
    writeFileSync(file, 'BAD');
    assert.throws(() => new WatchedFile(file, 'tokens file', parse, () => undefined), /The tokens file .*users is invalid: bad line/);
  });

  test('re-read when it changes; unusable (null) while it is invalid or gone; back when fixed', async () => {
    writeFileSync(file, 'alice');
    const w = new WatchedFile(file, 'test file', parse, (m) => logs.push(m));
    assert.deepEqual(await w.current(), ['alice']);
    writeFileSync(file, 'alice\nbob');
    assert.deepEqual(await w.current(), ['alice', 'bob']);
    assert.match(logs.at(-1)!, /re-read the test file/);
    writeFileSync(file, 'alice\nBAD');
    assert.equal(await w.current(), null, 'an invalid file lets no one in, not the old users');
    assert.match(logs.at(-1)!, /is invalid, refusing its credentials until it is fixed: bad line/);
    unlinkSync(file);
    assert.equal(await w.current(), null);
    assert.match(logs.at(-1)!, /cannot be read \(ENOENT\)/);
    writeFileSync(file, 'carol');
    assert.deepEqual(await w.current(), ['carol']);
  });

  test('many requests noticing one change read it once', async () => {
    writeFileSync(file, 'a');
    let reads = 0;
    const w = new WatchedFile(file, 'test file', (t) => { reads++; return t; }, () => undefined);
    writeFileSync(file, 'bb');
    const all = await Promise.all(Array.from({ length: 20 }, () => w.current()));
    assert.ok(all.every((v) => v === 'bb'));
    assert.equal(reads, 2);
  });
});
