/**
 * The connection caps' parts that need no socket: how a burst of refusals is logged, and which
 * settings are refused at start. (The caps themselves are tried over real sockets in
 * test/http/http-edges.test.ts; which addresses count as one client, in auth-limiter.test.ts.)
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { RefusalLog } from '../../src/http/connection-limit.ts';

describe('connection limits', () => {
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
