/**
 * The connection caps' parts that need no socket: which addresses count as one client, how a
 * burst of refusals is logged, and which settings are refused at start. (The caps themselves are
 * tried over real sockets in test/http/http-edges.test.ts.)
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { addressKey, RefusalLog } from '../../src/http/connection-limit.ts';

describe('connection limits', () => {
  test('an IPv4 client counts by its address, an IPv6 one by its /64, however it is written', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7', 'IPv4 through a dual-stack socket is the same client');
    assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64', 'any host in the /64 is the same client');
    assert.equal(addressKey('2001:0db8:0001:0002::ffff'), '2001:db8:1:2::/64', 'leading zeros do not make a new client');
    assert.equal(addressKey('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(addressKey('2001:db8:1:3::1'), '2001:db8:1:3::/64', 'the next /64 is another client');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey(undefined), '?');
  });

  test('a burst is logged at once and then once per interval with how many, each reason on its own', async () => {
    const lines: string[] = [];
    const log = new RefusalLog({ maxConnections: 10, maxConnectionsPerAddress: 2 }, (m) => lines.push(m), 80);
    for (let i = 0; i < 5; i++) log.refused('per_address', `198.51.100.${i}`);
    log.refused('max_connections', '198.51.100.9');
    assert.deepEqual(lines, [
      'refused 1 connection(s) from one address, the last from 198.51.100.0: 2 were open from it (setting http.maxConnectionsPerAddress)',
      'refused 1 connection(s): 10 were open (setting http.maxConnections)',
    ]);
    await sleep(130);
    assert.equal(lines.length, 3, 'the rest of the burst is not lost when it ends');
    assert.match(lines[2]!, /^refused 4 connection\(s\) from one address, the last from 198\.51\.100\.4:/);
    await sleep(200);
    assert.equal(lines.length, 3, 'a quiet interval logs nothing');
    log.refused('per_address', '198.51.100.1');
    assert.equal(lines.length, 4, 'after a quiet interval the next refusal is logged at once');
    log.close();
  });

  test('a limit that is negative or not whole is refused at start, not read as "no limit"', () => {
    for (const [name, value] of [['SPARKPORT_HTTP__MAX_CONNECTIONS', '-1'], ['SPARKPORT_HTTP__MAX_CONNECTIONS_PER_ADDRESS', '2.5']] as const) {
      assert.throws(() => loadConfig({ env: { [name]: value } }), /must be a whole number of connections \(0: no limit\)/);
    }
    const c = loadConfig({ env: { SPARKPORT_HTTP__MAX_CONNECTIONS: '0', SPARKPORT_HTTP__MAX_CONNECTIONS_PER_ADDRESS: '0' } });
    assert.equal(c.http.maxConnections, 0);
    const d = loadConfig({ env: {} });
    assert.ok(d.http.maxConnectionsPerAddress < d.http.maxConnections, 'by default one address cannot take every connection');
  });
});
