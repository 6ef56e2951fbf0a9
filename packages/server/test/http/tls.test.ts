/**
 * TLS on the REST port: with http.tls.certFile and keyFile set, the real server (startServer,
 * on fakes for Spark) speaks HTTPS only and says so in its URL. The certificate is a
 * self-signed one made here with openssl.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig, type Config } from '../../src/config.ts';
import { readTls } from '../../src/http/tls.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeBatchLauncher } from '../support/fake-batch-launcher.ts';
import { FakeLauncher } from '../support/fake-driver.ts';

function selfSigned(dir: string): { certFile: string; keyFile: string } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  return { certFile, keyFile };
}

interface Answer { status: number; body: string; headers: http.IncomingHttpHeaders }

function request(mod: typeof http | typeof https, url: string, opts: https.RequestOptions, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: body ? 'POST' : 'GET', ...opts, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

describe('TLS on the REST port', () => {
  let server: RunningServer;
  let ca: Buffer;
  let config: Config;
  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-tls-'));
    config = defaultConfig();
    config.dataDir = dir;
    config.port = 0;
    config.http.checkResponses = true;
    config.http.tls = selfSigned(dir);
    ca = readFileSync(config.http.tls.certFile!);
    server = await startServer(config, {
      store: new MemoryStore(), launcher: new FakeLauncher(), batchLauncher: new FakeBatchLauncher(config), log: () => undefined,
    });
  });
  after(async () => { await server?.close(); });

  test('the server says https, and an HTTPS request that checks the certificate works', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const v = await request(https, `${server.url}/version`, { ca });
    assert.equal(v.status, 200);
    assert.equal(JSON.parse(v.body).version, '0.9.0');
    // Through the name in the certificate too, and with a body.
    const port = new URL(server.url).port;
    const made = await request(https, `https://localhost:${port}/sessions`, { ca }, '{"kind":"pyspark"}');
    assert.equal(made.status, 201, made.body);
    assert.equal(JSON.parse(made.body).state, 'starting');
  });

  test('plain HTTP on the same port gets no answer from the API', async () => {
    const url = server.url.replace(/^https:/, 'http:');
    const outcome = await request(http, `${url}/version`, {}).then((a) => a, (e: Error) => e);
    // Node's TLS server either drops the connection or answers 400 with no body: never the API.
    if (!(outcome instanceof Error)) {
      assert.notEqual(outcome.status, 200);
      assert.doesNotMatch(outcome.body, /"version"/);
    }
  });

  test('a client that does not trust the certificate is refused by its own TLS check', async () => {
    await assert.rejects(request(https, `${server.url}/version`, {}), /self-signed|self signed/);
  });

  test('the browser guards use the https origin as the server\'s own', async () => {
    const own = await request(https, `${server.url}/version`, { ca, headers: { origin: server.url } });
    assert.equal(own.status, 200);
    const plain = await request(https, `${server.url}/version`, { ca, headers: { origin: server.url.replace('https:', 'http:') } });
    assert.equal(plain.status, 403);
    assert.equal(JSON.parse(plain.body).code, 'FORBIDDEN_ORIGIN');
  });
});

describe('TLS at shutdown', () => {
  test('a client that connected and never started TLS does not hold the shutdown past shutdown.drainMs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-tls-'));
    const config = defaultConfig();
    Object.assign(config, { dataDir: dir, port: 0 });
    config.http.tls = selfSigned(dir);
    config.shutdown.drainMs = 300;
    const server = await startServer(config, {
      store: new MemoryStore(), launcher: new FakeLauncher(), batchLauncher: new FakeBatchLauncher(config), log: () => undefined,
    });
    // The TLS handshake would wait two minutes for this one to speak.
    const silent = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    silent.on('error', () => undefined);
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.shutdown();
    const took = Date.now() - t0;
    assert.ok(took < 3000, `shut down in ${took} ms`);
    await closed;
  });
});

describe('TLS settings', () => {
  test('half a setting, or a file that cannot be read, stops the server instead of serving plain HTTP', () => {
    const c = defaultConfig();
    assert.equal(readTls(c), null);
    c.http.tls = { certFile: '/nonexistent/cert.pem', keyFile: null };
    assert.throws(() => readTls(c), /both http\.tls\.certFile and http\.tls\.keyFile/);
    c.http.tls = { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' };
    assert.throws(() => readTls(c), /Cannot read http\.tls\.certFile \/nonexistent\/cert\.pem/);
  });
});
