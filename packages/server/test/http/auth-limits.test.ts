/**
 * The failed-login limit through the whole app, against the attacks a review found: concurrent
 * guesses overtaking the count, floods of unknown users burning CPU on bcrypt, an IPv6 client
 * hopping addresses within its /64, and one proxied user's bad passwords locking out everyone
 * behind the trusted proxy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import type { Config } from '../../src/config.ts';
import { makeHarness } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-auth-limits-'));
const htpasswd = path.join(tmp, 'htpasswd');
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
after(() => rmSync(tmp, { recursive: true, force: true }));

/** bcrypt.compare, slowed down and watched: how many ran, and how many at once at most. */
const watch = { calls: 0, active: 0, peak: 0 };
const realCompare = bcrypt.compare;
beforeEach(() => {
  Object.assign(watch, { calls: 0, active: 0, peak: 0 });
  (bcrypt as { compare: unknown }).compare = async (pw: string, hash: string) => {
    watch.calls++;
    watch.peak = Math.max(watch.peak, ++watch.active);
    try {
      await new Promise((r) => setTimeout(r, 15));
      return await realCompare(pw, hash);
    } finally {
      watch.active--;
    }
  };
});
afterEach(() => { (bcrypt as { compare: unknown }).compare = realCompare; });

async function withServer(tweak: (c: Config) => void, body: (h: Harness) => Promise<void>) {
  writeFileSync(htpasswd, `alice:${bcrypt.hashSync('correct horse', 4)}\nbob:${bcrypt.hashSync('b0b', 4)}\n`);
  const h = await makeHarness((c) => {
    c.auth.basic.htpasswdFile = htpasswd;
    c.auth.rateLimit.failures = 5;
    tweak(c);
  });
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

const get = (h: Harness, remoteAddress: string, headers: Record<string, string>) =>
  h.app.inject({ method: 'GET', url: '/sessions', remoteAddress, headers });
const tally = (codes: number[]) => codes.reduce<Record<number, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

describe('concurrent guesses', () => {
  test('60 at once with a limit of 5, the right password last: 5 checked, no 200', () => withServer(() => undefined, async (h) => {
    const guesses = Array.from({ length: 60 }, (_, i) => (i === 59 ? 'correct horse' : `guess-${i}`));
    const codes = (await Promise.all(guesses.map((pw) => get(h, '10.8.0.1', { authorization: basic('alice', pw) })))).map((r) => r.statusCode);
    assert.deepEqual(tally(codes), { 401: 5, 429: 55 });
    assert.equal(watch.calls, 5, 'only five passwords were ever checked');
    assert.equal((await get(h, '10.8.0.1', { authorization: basic('alice', 'correct horse') })).statusCode, 429);
  }));

  test('a legitimate client with many requests at once still gets in (they take turns)', () => withServer(() => undefined, async (h) => {
    const codes = (await Promise.all(Array.from({ length: 20 }, () => get(h, '10.8.0.2', { authorization: basic('bob', 'b0b') })))).map((r) => r.statusCode);
    assert.deepEqual(tally(codes), { 200: 20 });
  }));

  test('a flood of unknown users from many addresses: at most 4 bcrypt checks at once, and 503 when the line is full', () => withServer(() => undefined, async (h) => {
    const flood = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => get(h, `10.9.${i >> 8}.${i & 255}`, { authorization: basic(`nobody-${i}`, 'x') })));
    const forty = await flood(40);
    assert.deepEqual(tally(forty.map((r) => r.statusCode)), { 401: 40 });
    assert.ok(watch.peak <= 4, `peak ${watch.peak}`);
    watch.peak = 0;
    const many = await flood(200);
    const t = tally(many.map((r) => r.statusCode));
    assert.ok(watch.peak <= 4, `peak ${watch.peak}`);
    assert.ok((t[503] ?? 0) > 0 && (t[401] ?? 0) >= 68, JSON.stringify(t));
    const busy = many.find((r) => r.statusCode === 503)!;
    assert.equal(JSON.parse(busy.body).code, 'AUTH_UNAVAILABLE');
    assert.equal(busy.headers['retry-after'], '1');
    assert.ok(h.logs.includes('auth: too many password checks waiting; answering 503 until the line shortens'));
  }));
});

describe('addresses', () => {
  test('IPv6 clients are counted by their /64; IPv4-mapped IPv6 as the IPv4 address', () => withServer(() => undefined, async (h) => {
    for (let i = 1; i <= 5; i++) assert.equal((await get(h, `2001:db8:a:b::${i}`, { authorization: basic('alice', `g${i}`) })).statusCode, 401);
    assert.equal((await get(h, '2001:db8:a:b:ffff::9', { authorization: basic('alice', 'correct horse') })).statusCode, 429);
    assert.ok(h.logs.some((l) => l.includes('5 failed logins from 2001:db8:a:b::/64 within 60 s')), h.logs.join('\n'));
    assert.equal((await get(h, '2001:db8:a:c::1', { authorization: basic('alice', 'correct horse') })).statusCode, 200, 'the next /64 is someone else');
    for (let i = 0; i < 5; i++) await get(h, '::ffff:10.7.0.1', { authorization: basic('alice', `g${i}`) });
    assert.equal((await get(h, '10.7.0.1', { authorization: basic('alice', 'correct horse') })).statusCode, 429);
  }));
});

describe('behind a trusted proxy', () => {
  const proxied = (c: Config) => {
    c.auth.proxy.header = 'X-Forwarded-User';
    c.auth.proxy.trustedAddresses = ['10.0.0.5'];
    c.auth.rateLimit.failures = 3;
  };

  test("one user's wrong passwords lock out that user through the proxy, no one else", () => withServer(proxied, async (h) => {
    for (let i = 0; i < 3; i++) assert.equal((await get(h, '10.0.0.5', { authorization: basic('alice', `wrong-${i}`) })).statusCode, 401);
    const alice = await get(h, '10.0.0.5', { authorization: basic('alice', 'correct horse') });
    assert.equal(alice.statusCode, 429);
    assert.match(JSON.parse(alice.body).msg, /for this user through this address/);
    assert.ok(h.logs.some((l) => l.includes('3 failed logins from 10.0.0.5 for user "alice" within 60 s')), h.logs.join('\n'));
    assert.equal((await get(h, '10.0.0.5', { authorization: basic('bob', 'b0b') })).statusCode, 200, 'bob, through the same proxy');
    assert.equal((await get(h, '10.0.0.5', { 'x-forwarded-user': 'frank' })).statusCode, 200, "the proxy's own word");
    assert.equal((await get(h, '10.0.0.5', { 'x-forwarded-user': 'alice' })).statusCode, 200, 'alice, signed in by the proxy');
  }));

  test("the proxy's header is believed even when its address has been blocked by other credentials", () => withServer(proxied, async (h) => {
    for (let i = 0; i < 3; i++) await get(h, '10.0.0.5', { authorization: 'Bearer nope' });
    assert.equal((await get(h, '10.0.0.5', { authorization: 'Bearer nope' })).statusCode, 429);
    assert.equal((await get(h, '10.0.0.5', { 'x-forwarded-user': 'frank' })).statusCode, 200);
  }));

  test('the header from anyone else still counts as a failure against that address', () => withServer(proxied, async (h) => {
    for (let i = 0; i < 3; i++) assert.equal((await get(h, '192.0.2.7', { 'x-forwarded-user': 'root' })).statusCode, 401);
    assert.equal((await get(h, '192.0.2.7', { 'x-forwarded-user': 'root' })).statusCode, 429);
    assert.equal((await get(h, '192.0.2.7', { authorization: basic('alice', 'correct horse') })).statusCode, 429);
  }));
});
