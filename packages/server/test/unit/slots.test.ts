/** Counted slots with a server-wide and a per-user limit, refused with the one 429 shape (http/slots.ts, domain/limits.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import { Slots } from '../../src/http/slots.ts';

const slots = (total: number, perKey: number) => new Slots({
  total, perKey, code: 'TOO_MANY_WAITS', what: 'requests waiting with ?wait', settings: { total: 'limits.longPolls', perKey: 'limits.longPollsPerUser' }, remedy: 'Ask without ?wait',
});

test('per key, then in total; a release gives the slot back, once', () => {
  const s = slots(3, 2);
  const a1 = s.take('a', "user 'a'");
  s.take('a', "user 'a'");
  assert.throws(() => s.take('a', "user 'a'"), (e: DomainError) => {
    assert.equal(e.code, 'TOO_MANY_WAITS');
    assert.equal(e.retryAfterSeconds, 1);
    assert.equal(e.message, "Rejected, too many requests waiting with ?wait: 2 of 2 for user 'a' (setting limits.longPollsPerUser). Ask without ?wait, or try again in 1 s");
    return true;
  });
  s.take('b', "user 'b'");
  assert.throws(() => s.take('c', "user 'c'"), /3 of 3 on this server \(setting limits\.longPolls\)/);
  a1();
  a1();
  assert.equal(s.inUse, 2);
  s.take('c', "user 'c'");
  assert.throws(() => s.take('d', "user 'd'"), /on this server/);
});

test('0 is no limit', () => {
  const s = slots(0, 0);
  for (let i = 0; i < 1000; i++) s.take('a', 'a');
  assert.equal(s.inUse, 1000);
});
