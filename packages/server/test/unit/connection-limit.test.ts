/**
 * The connection caps' parts that need no socket: how a burst of refusals is logged, and which
 * settings are refused at start. (The caps themselves are tried over real sockets in
 * test/http/http-edges.test.ts; which addresses count as one client, in auth-limiter.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { capsFor, RefusalLog } from '../../src/http/connection-limit.ts';

/** A plain HTTP server with the caps at their defaults, reporting on stdin's "report". */
const CHILD_DIR = mkdtempSync(path.join(os.tmpdir(), 'sparkport-fd-'));
const CHILD = path.join(CHILD_DIR, 'server.ts');
after(() => rmSync(CHILD_DIR, { recursive: true, force: true }));
writeFileSync(CHILD, `
import http from 'node:http';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { installConnectionLimits } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/http/connection-limit.ts'))};
const server = http.createServer((_req, res) => res.end('ok'));
const log = [];
let refused = 0;
installConnectionLimits(server, {
  http: { maxConnections: 10000, maxConnectionsPerAddress: 0 },
  limits: { longPolls: 512, eventStreams: 128 },
  auth: { proxy: { header: null, trustedAddresses: [] } },
}, () => { refused++; }, (m) => log.push(m));
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port, maxConnections: server.maxConnections, log: log.join('\\n') }));
});
createInterface({ input: process.stdin }).on('line', () => server.getConnections((_e, connections) => {
  let fileOpens = 'ok';
  try { for (let i = 0; i < 50; i++) closeSync(openSync('/dev/null', 'r')); } catch (e) { fileOpens = e.code; }
  console.log(JSON.stringify({ connections, refused, fileOpens }));
}));
`);

describe('connection limits', () => {
  test('a burst is logged at once and then once per interval with how many, each reason on its own', async () => {
    const lines: string[] = [];
    const log = new RefusalLog({ maxConnections: 10, maxConnectionsPerAddress: 2 }, (m) => lines.push(m), 80);
    for (let i = 0; i < 5; i++) log.refused('per_address', `2001:db8:${i}::/64`);
    log.refused('max_connections', '198.51.100.9');
    assert.deepEqual(lines, [
      'refused 1 connection(s) from addresses that had 2 open each, the last from 2001:db8:0::/64 (setting http.maxConnectionsPerAddress)',
      'refused 1 connection(s): 10 were open (setting http.maxConnections)',
    ]);
    await sleep(130);
    assert.equal(lines.length, 3, 'the rest of the burst is not lost when it ends');
    assert.match(lines[2]!, /^refused 4 connection\(s\) from addresses that had 2 open each, the last from 2001:db8:4::\/64 /);
    await sleep(200);
    assert.equal(lines.length, 3, 'a quiet interval logs nothing');
    log.refused('per_address', '198.51.100.1');
    assert.equal(lines.length, 4, 'after a quiet interval the next refusal is logged at once');
    log.refused('per_address', '198.51.100.1');
    log.refused('per_address', '198.51.100.2');
    log.close();
    assert.match(lines[4] ?? '', /^refused 2 connection\(s\).*the last from 198\.51\.100\.2 /, 'closing says what was still pending');
    await sleep(120);
    assert.equal(lines.length, 5, 'and nothing after');
  });

  test('the caps stay under what the open-file limit leaves for clients, one address a tenth of them', () => {
    const caps = (maxConnections: number, maxConnectionsPerAddress: number, limit: number | null) => capsFor({ maxConnections, maxConnectionsPerAddress }, limit);
    assert.deepEqual(caps(10_000, 1_000, 1_048_576), { maxConnections: 10_000, maxConnectionsPerAddress: 1_000 });
    assert.deepEqual(caps(10_000, 1_000, 20_000), { maxConnections: 10_000, maxConnectionsPerAddress: 1_000 });
    assert.deepEqual(caps(10_000, 1_000, 8_192), { maxConnections: 5_120, maxConnectionsPerAddress: 512 }, 'drivers\' links and files keep 3,072; one address keeps a tenth');
    assert.deepEqual(caps(10_000, 1_000, 1_024), { maxConnections: 512, maxConnectionsPerAddress: 51 }, 'on a small limit, half');
    assert.deepEqual(caps(10_000, 0, 1_024), { maxConnections: 512, maxConnectionsPerAddress: 0 }, 'no per-address limit stays none');
    assert.deepEqual(caps(10_000, 20, 1_024), { maxConnections: 512, maxConnectionsPerAddress: 20 }, 'a lower per-address setting stands');
    assert.deepEqual(caps(100, 1_000, 1_024), { maxConnections: 100, maxConnectionsPerAddress: 1_000 }, 'a total that fits stands, as set');
    assert.deepEqual(caps(10_000, 1_000, 1), { maxConnections: 1, maxConnectionsPerAddress: 1 }, 'never 0, which would mean no limit');
    assert.deepEqual(caps(10_000, 1_000, null), { maxConnections: 10_000, maxConnectionsPerAddress: 1_000 }, 'unknown limit: as configured');
    assert.deepEqual(caps(0, 1_000, 1_024), { maxConnections: 0, maxConnectionsPerAddress: 1_000 }, 'no limit stays a deliberate choice');
  });

  test('under a real open-file limit the server refuses past its cap itself and keeps descriptors for its files', async () => {
    // A server in a process started under `ulimit -n 600`: 300 descriptors are left to clients.
    const child = spawn('bash', ['-c', `ulimit -n 600 || { echo '{"error":"cannot set ulimit -n 600 (hard limit below it)"}'; exit 3; }; exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CHILD)}`], {
      cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
    const sockets: net.Socket[] = [];
    try {
      const started = await next();
      assert.equal(started.error, undefined);
      assert.equal(started.maxConnections, 300);
      assert.match(String(started.log), /http\.maxConnections 10000 is more than this process's open-file limit \(600\) leaves for clients; at most 300 will be open, any number from one address \(raise the limit with ulimit -n to 13072 or more/);
      for (let i = 0; i < 320; i++) {
        const s = net.connect(started.port as number, '127.0.0.1');
        s.on('error', () => undefined);
        sockets.push(s);
        await new Promise<void>((r) => { s.once('connect', () => r()); s.once('close', () => r()); });
      }
      await sleep(300);
      child.stdin!.write('report\n');
      const report = await next();
      assert.equal(report.connections, 300, 'the cap, not the descriptor limit, decided');
      assert.equal(report.refused, 20, 'every one past it was seen and counted');
      assert.equal(report.fileOpens, 'ok', 'the process can still open files');
    } finally {
      for (const s of sockets) s.destroy();
      child.kill('SIGKILL');
    }
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
