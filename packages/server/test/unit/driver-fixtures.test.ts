/**
 * The driver protocol fixtures (packages/protocol/fixtures/driver) against the TypeBox schemas
 * the server reads and writes driver messages with. The Python driver is tested against the same
 * files (driver/test/unit/test_protocol_fixtures.py), so both sides agree on every shape.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { PingResult, checkDriverMessage, type DriverDirection } from '@sparkport/protocol';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const fixtureDir = path.join(root, 'packages/protocol/fixtures/driver');

interface Fixture {
  type: string;
  direction: DriverDirection | 'both';
  valid: Record<string, unknown>[];
  invalid: { message: Record<string, unknown>; why: string }[];
}

const fixtures: Fixture[] = readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort().map((f) => {
  const fx = JSON.parse(readFileSync(path.join(fixtureDir, f), 'utf8')) as Fixture;
  assert.equal(`${fx.type}.json`, f, `${f} holds '${fx.type}'`);
  return fx;
});
const spec = JSON.parse(readFileSync(path.join(root, 'packages/protocol/generated/protocol.json'), 'utf8')) as {
  driver: { errorCodes: string[]; messages: Record<DriverDirection, string[]> };
};
const directions = (fx: Fixture): DriverDirection[] => (fx.direction === 'both' ? ['driverToServer', 'serverToDriver'] : [fx.direction]);

test('every message type in protocol.json has a fixture file, and every fixture a type there', () => {
  const { driverToServer, serverToDriver } = spec.driver.messages;
  const named = new Set([...driverToServer, ...serverToDriver]);
  assert.deepEqual(fixtures.map((f) => f.type).sort(), [...named].sort());
  for (const fx of fixtures) {
    const inD = driverToServer.includes(fx.type), inS = serverToDriver.includes(fx.type);
    assert.equal(fx.direction, inD && inS ? 'both' : inD ? 'driverToServer' : 'serverToDriver', fx.type);
    assert.ok(fx.valid.length > 0 && fx.invalid.length > 0, `${fx.type}: needs valid and invalid examples`);
  }
});

for (const fx of fixtures) {
  describe(`${fx.type} (${fx.direction})`, () => {
    test('every valid example passes', () => {
      for (const dir of directions(fx)) {
        for (const msg of fx.valid) {
          const r = checkDriverMessage(dir, msg);
          assert.ok(r.ok, `${dir} ${JSON.stringify(msg)}: ${r.ok ? '' : r.errors.join('; ')}`);
        }
      }
    });
    test('every invalid example fails', () => {
      for (const dir of directions(fx)) {
        for (const { message, why } of fx.invalid) {
          assert.equal(checkDriverMessage(dir, message).ok, false, `${dir}: accepted although ${why}: ${JSON.stringify(message)}`);
        }
      }
    });
  });
}

test('the error codes in the examples are driver error codes', () => {
  for (const fx of fixtures) {
    for (const m of fx.valid) {
      const code = fx.type === 'error' ? m.code : fx.type === 'reply' && m.ok === false ? (m.error as { code: string }).code : undefined;
      if (code !== undefined) assert.ok(spec.driver.errorCodes.includes(code as string), `${fx.type}: ${String(code)}`);
    }
  }
});

test('a message of the other direction, or not a message at all, is refused', () => {
  assert.equal(checkDriverMessage('driverToServer', { type: 'ping', id: 1 }).ok, false);
  assert.equal(checkDriverMessage('serverToDriver', { type: 'hello', token: 't', pid: 1, protocol: 1 }).ok, false);
  for (const junk of [null, 'ping', [1], { id: 1 }, { type: 7 }]) assert.equal(checkDriverMessage('serverToDriver', junk).ok, false);
});

test("a ping reply's result, as the reply examples give it, is a PingResult; connect_idle_ms a count of milliseconds", () => {
  const replies = fixtures.find((f) => f.type === 'reply')!.valid;
  const pings = replies.filter((m) => m.ok && Object.hasOwn(m.result as object, 'connect_idle_ms'));
  assert.ok(pings.length > 0, 'an example of a ping reply with connect_idle_ms');
  for (const m of pings) assert.ok(Value.Check(PingResult, m.result), JSON.stringify(m));
  assert.ok(Value.Check(PingResult, {}));
  for (const bad of [-1, 1.5, '12', null]) assert.equal(Value.Check(PingResult, { connect_idle_ms: bad }), false, String(bad));
});
