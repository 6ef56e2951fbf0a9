/**
 * Spark Connect faces, the parts with rules of their own (domain/spark-connect.ts): the connect.*
 * settings as loaded and checked, the host clients must name (the address bound, never
 * `localhost`, which gRPC resolves to ::1 first), the `sc://` URL with and without its token (an
 * `x-sparkport-token` parameter, which clients send as a header), and which sessions get a face.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config.ts';
import type { SessionRecord } from '../../src/domain/records.ts';
import { connectHost, connectSettings, sparkConnectUrl } from '../../src/domain/spark-connect.ts';

const load = (env: Record<string, string>) => loadConfig({ env });
const face = { port: 15003, session_id: '0f8fad5b-d9cb-469f-a165-70867728950e', user_id: 'sparkport', token: 'tok-en_1' };

describe('Spark Connect settings and URLs', () => {
  test('connect.* defaults to off, loopback and 15002-15101; the environment sets them; a bad range or host stops the server', () => {
    assert.deepEqual(load({}).connect, { enabled: false, portRange: '15002-15101', host: '127.0.0.1' });
    const c = load({ SPARKPORT_CONNECT__ENABLED: 'true', SPARKPORT_CONNECT__PORT_RANGE: '16000-16001', SPARKPORT_CONNECT__HOST: '0.0.0.0' });
    assert.deepEqual(c.connect, { enabled: true, portRange: '16000-16001', host: '0.0.0.0' });
    assert.throws(() => load({ SPARKPORT_CONNECT__PORT_RANGE: '16001-16000' }), /connect\.portRange must be low-high, e\.g\. 20000-20010, got '16001-16000'/);
    assert.throws(() => load({ SPARKPORT_CONNECT__PORT_RANGE: '15002' }), /connect\.portRange must be low-high/);
    assert.throws(() => load({ SPARKPORT_CONNECT__HOST: ' ' }), /connect\.host must be an address to bind/);
  });

  test('clients name the address bound (never localhost: 127.0.0.1 is bound for it), the machine for a wildcard', () => {
    for (const h of ['127.0.0.1', 'localhost', 'LOCALHOST', ' localhost ']) assert.equal(connectHost(h, 'box'), '127.0.0.1', h);
    assert.equal(connectHost('127.0.1.1', 'box'), '127.0.1.1');
    for (const h of ['::1', '[::1]']) assert.equal(connectHost(h, 'box'), '[::1]', h);
    for (const h of ['0.0.0.0', '::', '[::]']) assert.equal(connectHost(h, 'box.example.com'), 'box.example.com', h);
    assert.equal(connectHost('10.1.2.3', 'box'), '10.1.2.3');
    assert.equal(connectHost('spark.example.com', 'box'), 'spark.example.com');
    assert.equal(connectHost('fd00::5', 'box'), '[fd00::5]');
  });

  test("the URL selects the shared session by session_id and user_id; the token only when asked for, as x-sparkport-token, never Spark's token", () => {
    assert.equal(sparkConnectUrl(face, '127.0.0.1'), `sc://127.0.0.1:15003/;session_id=${face.session_id};user_id=sparkport`);
    assert.equal(sparkConnectUrl(face, 'localhost', true), `sc://127.0.0.1:15003/;session_id=${face.session_id};user_id=sparkport;x-sparkport-token=tok-en_1`);
    assert.equal(sparkConnectUrl(face, '10.0.0.7', true), `sc://10.0.0.7:15003/;session_id=${face.session_id};user_id=sparkport;x-sparkport-token=tok-en_1`);
    assert.doesNotMatch(sparkConnectUrl(face, '10.0.0.7', true), /;token=/);
  });

  test('a face is asked of client-mode drivers only, with the range as numbers', () => {
    const cfg = defaultConfig();
    const client = { placement: { master: 'local[2]', deployMode: 'client' } } as SessionRecord;
    assert.equal(connectSettings(cfg, client), undefined, 'off by default');
    cfg.connect = { enabled: true, portRange: ' 15010 - 15012 ', host: '127.0.0.1' };
    assert.deepEqual(connectSettings(cfg, client), { host: '127.0.0.1', port_low: 15010, port_high: 15012 });
    assert.equal(connectSettings(cfg, { placement: { master: 'yarn', deployMode: 'cluster' } } as SessionRecord), undefined);
    assert.deepEqual(connectSettings(cfg, {} as SessionRecord), { host: '127.0.0.1', port_low: 15010, port_high: 15012 }, 'an old record ran client mode');
    cfg.connect.host = 'localhost';
    assert.equal(connectSettings(cfg, client)!.host, '127.0.0.1', 'the address the URL names is the one bound');
  });
});
