/**
 * Long polls leave nothing behind when they end (a reaction per poll on a shared promise kept
 * every request ever made alive: 3 objects and a logger each, a heap growing for good under
 * load), and a shutdown still answers the ones that wait.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { defaultConfig } from '../../src/config.ts';
import { HeldRequests } from '../../src/http/held-requests.ts';

const req = { user: null, ip: '10.0.0.1' } as unknown as FastifyRequest;
const waiting = (held: HeldRequests) => (held as unknown as { onStop: Set<unknown> }).onStop.size;

test('a long poll that ends leaves no trace; slots come back', async () => {
  const held = new HeldRequests(defaultConfig());
  for (let i = 0; i < 1000; i++) assert.equal(await held.longPoll(req).until(Promise.resolve(i), () => -1), i);
  await new Promise((r) => setImmediate(r));
  assert.equal(waiting(held), 0);
  assert.equal(held.longPolls, 0);
});

test('on shutdown a waiting long poll answers at once with what there is now', async () => {
  const held = new HeldRequests(defaultConfig());
  const never = new Promise<string>(() => undefined);
  const answer = held.longPoll(req).until(never, () => 'as it is now');
  held.drain();
  assert.equal(await answer, 'as it is now');
  assert.equal(await held.longPoll(req).until(never, () => 'after the drain began'), 'after the drain began');
});
