/**
 * The failed-login limiter against the attacks a review found: concurrent guesses overtaking
 * the count, a block forgotten by flooding the table with other (IPv6) addresses; and the
 * server-wide gate on bcrypt checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientKey } from '../../src/http/client-address.ts';
import { FailureLimiter, Gate, type Attempt } from '../../src/http/auth/failures.ts';

type Go = Extract<Attempt, { ok: true }>;
const go = (a: Attempt): Go => {
  assert.ok(a.ok, JSON.stringify(a));
  return a;
};
const tick = () => new Promise((r) => setImmediate(r));

describe('limiter keys', () => {
  test('IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    assert.equal(clientKey('10.1.2.3'), '10.1.2.3');
    assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(clientKey('::FFFF:0a01:0203'), '10.1.2.3');
    for (const a of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9', '2001:db8:1:2::1.2.3.4']) {
      assert.equal(clientKey(a), '2001:db8:1:2::/64', a);
    }
    assert.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('::'), '0:0:0:0::/64');
  });
});

describe('attempts in flight', () => {
  test('a slot is taken before the check: concurrent guesses beyond the limit wait, then are refused', async () => {
    const l = new FailureLimiter(3, 60_000, () => 0);
    const first = await Promise.all([l.attempt('a'), l.attempt('a'), l.attempt('a')]);
    let late: Attempt | undefined;
    void l.attempt('a').then((a) => { late = a; });
    await tick();
    assert.equal(late, undefined, 'the fourth waits while three are being checked');
    first.map(go).forEach((a) => a.fail());
    await tick();
    assert.deepEqual(late, { ok: false, why: 'blocked', retryAfter: 60 });
  });

  test('a success gives its slot back, to a waiting attempt or to no one', async () => {
    const l = new FailureLimiter(2, 60_000, () => 0);
    const [a, b] = (await Promise.all([l.attempt('a'), l.attempt('a')])).map(go);
    const c = l.attempt('a');
    a!.done();
    const got = go(await c);
    b!.done();
    got.done();
    got.done();
    assert.equal(l.size, 0, 'nothing to remember after successes');
    assert.equal(l.blockedFor('a'), 0);
  });

  test('60 concurrent guesses with a limit of 5: five checked, none let through', async () => {
    const l = new FailureLimiter(5, 60_000, () => 0);
    let checked = 0;
    const results = await Promise.all(Array.from({ length: 60 }, async () => {
      const a = await l.attempt('10.0.0.1');
      if (!a.ok) return a.why;
      checked++;
      await tick();
      a.fail();
      return 'failed';
    }));
    assert.equal(checked, 5);
    assert.equal(results.filter((r) => r === 'failed').length, 5);
    assert.ok(results.every((r) => r === 'failed' || r === 'blocked' || r === 'busy'), results.join());
  });

  test('waiting is bounded per key', async () => {
    const l = new FailureLimiter(1, 60_000, () => 0, 100, { perKey: 2, total: 10 });
    const a = go(await l.attempt('k'));
    const waiting = [l.attempt('k'), l.attempt('k')];
    assert.deepEqual(await l.attempt('k'), { ok: false, why: 'busy', retryAfter: 1 });
    a.done();
    go(await waiting[0]!).done();
    go(await waiting[1]!).done();
  });
});

describe('a block survives a flood of other addresses', () => {
  test('10,000 failures from other IPv6 /64s do not free a blocked address (default size)', () => {
    const l = new FailureLimiter(5, 60_000, () => 0);
    for (let i = 0; i < 5; i++) l.fail(clientKey('203.0.113.9'));
    assert.ok(l.blockedFor('203.0.113.9') > 0);
    for (let i = 0; i < 10_000; i++) l.fail(clientKey(`2001:db8:${(i >> 8).toString(16)}:${(i & 255).toString(16)}::1`));
    assert.ok(l.blockedFor('203.0.113.9') > 0, 'still blocked');
    assert.ok(l.size <= 10_000);
  });

  test('addresses spread over one /64 are one address', () => {
    const l = new FailureLimiter(5, 60_000, () => 0);
    for (let i = 0; i < 5; i++) l.fail(clientKey(`2001:db8:7:7::${i.toString(16)}`));
    assert.ok(l.blockedFor(clientKey('2001:db8:7:7:abcd::1')) > 0);
  });

  test('when every tracked address is blocked, new ones are refused until a window ends, not let in by forgetting one', async () => {
    let now = 0;
    const l = new FailureLimiter(2, 10_000, () => now, 50);
    for (let i = 0; i < 50; i++) { l.fail(`b${i}`); l.fail(`b${i}`); }
    now = 4000;
    assert.deepEqual(await l.attempt('newcomer'), { ok: false, why: 'full', retryAfter: 6 });
    assert.equal(l.fail('newcomer'), false);
    for (let i = 0; i < 50; i++) assert.ok(l.blockedFor(`b${i}`) > 0, `b${i}`);
    assert.equal(l.size, 50);
    now = 10_000;
    go(await l.attempt('newcomer')).done();
    assert.ok(l.size <= 50);
  });

  test('unblocked addresses make room first, oldest first', async () => {
    const l = new FailureLimiter(2, 60_000, () => 0, 3);
    l.fail('blocked'); l.fail('blocked');
    l.fail('once-1');
    l.fail('once-2');
    const a = go(await l.attempt('new'));
    a.fail();
    assert.ok(l.blockedFor('blocked') > 0);
    l.fail('once-1');
    assert.equal(l.blockedFor('once-1'), 0, 'once-1 was forgotten, so this is its first failure again');
    assert.equal(l.size, 3);
  });
});

describe('the bcrypt gate', () => {
  test('at most `limit` at once, a bounded line behind them, the rest refused', async () => {
    const g = new Gate(2, 2);
    assert.ok(await g.enter());
    assert.ok(await g.enter());
    let third = false;
    const t = g.enter().then((ok) => { third = ok; });
    const fourth = g.enter();
    assert.equal(await g.enter(), false, 'the line is full');
    await tick();
    assert.equal(third, false, 'waits its turn');
    g.leave();
    await t;
    assert.equal(third, true);
    assert.equal(g.active, 2);
    g.leave();
    assert.ok(await fourth);
    g.leave();
    g.leave();
    assert.equal(g.active, 0);
  });
});
