/**
 * Settings: defaults < JSON config file < SPARKPORT_* environment < command-line flags, and a
 * clear error for every setting that does not exist or has the wrong type.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-config-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;

function configFile(content: unknown): string {
  const file = path.join(tmp, `config-${seq++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Never read the developer's real environment: every test passes its own. */
const load = (src: Parameters<typeof loadConfig>[0] = {}) => loadConfig({ env: {}, ...src });

describe('config', () => {
  test('defaults: 127.0.0.1:8998, Livy\'s port, and sane session limits', () => {
    const c = load();
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8998);
    assert.equal(c.spark.master, 'local[*]');
    assert.equal(c.sessions.max, -1, 'as many as this machine holds at the driver memory (domain/capacity.ts)');
    assert.equal(c.sessions.idleTimeout, '1h');
    assert.equal(c.csrfProtection, false);
    assert.ok(path.isAbsolute(c.dataDir));
    const d = defaultConfig();
    assert.equal(c.dataDir, path.resolve(d.dataDir));
    for (const section of ['spark', 'driver', 'sessions', 'limits'] as const) assert.deepEqual(c[section], d[section], section);
  });

  test('a JSON config file overrides defaults and leaves the rest alone', () => {
    const file = configFile({ port: 9000, host: '0.0.0.0', sessions: { max: 3 }, spark: { master: 'yarn' } });
    const c = load({ file });
    assert.equal(c.port, 9000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.sessions.max, 3);
    assert.equal(c.spark.master, 'yarn');
    const d = defaultConfig();
    assert.equal(c.sessions.idleTimeout, d.sessions.idleTimeout, 'siblings of an overridden key keep their defaults');
    assert.equal(c.sessions.maxStarting, d.sessions.maxStarting);
    assert.deepEqual(c.limits, d.limits);
  });

  test('SPARKPORT_CONFIG names the config file when no file is given', () => {
    const file = configFile({ port: 9001 });
    assert.equal(load({ env: { SPARKPORT_CONFIG: file } }).port, 9001);
  });

  test('a config file that is missing or not JSON is an error naming the file', () => {
    const missing = path.join(tmp, 'nope.json');
    assert.throws(() => load({ file: missing }), (e: Error) => e.message.includes(missing));
    const broken = configFile('{"port": ');
    assert.throws(() => load({ file: broken }), (e: Error) => e.message.includes(broken));
  });

  test('environment overrides the file, with values of the right type', () => {
    const file = configFile({ port: 9000, sessions: { max: 3 }, spark: { defaultConf: { 'spark.a': '1' } } });
    const c = load({
      file,
      env: {
        SPARKPORT_PORT: '9100',
        SPARKPORT_SESSIONS__MAX: '5',
        SPARKPORT_SPARK__DEFAULT_CONF: '{"spark.sql.shuffle.partitions":"16","spark.b":"2"}',
        SPARKPORT_CSRF_PROTECTION: 'true',
        SPARKPORT_SPARK__BLOCKED_CONF: 'spark.master, spark.x',
      },
    });
    assert.equal(c.port, 9100);
    assert.equal(c.sessions.max, 5);
    assert.equal(typeof c.sessions.max, 'number');
    assert.deepEqual(c.spark.defaultConf, { 'spark.sql.shuffle.partitions': '16', 'spark.b': '2' });
    assert.equal(c.csrfProtection, true);
    assert.deepEqual(c.spark.blockedConf, ['spark.master', 'spark.x']);
  });

  test('the short environment aliases work', () => {
    const c = load({ env: { SPARKPORT_SPARK_MASTER: 'spark://h:7077', SPARKPORT_MAX_SESSIONS: '2', SPARKPORT_HOST: '::1' } });
    assert.equal(c.spark.master, 'spark://h:7077');
    assert.equal(c.sessions.max, 2);
    assert.equal(c.host, '::1');
  });

  test('the variables a driver is launched with are not settings and are ignored', () => {
    const c = load({ env: { SPARKPORT_CONNECT: '127.0.0.1:1', SPARKPORT_TOKEN: 'x', SPARKPORT_TOKEN_FILE: '/w/driver.token', SPARKPORT_SESSION_ID: '3', SPARKPORT_URL: 'http://x' } });
    assert.equal(c.port, 8998);
  });

  test('command-line flags win over file and environment', () => {
    const file = configFile({ port: 9000, host: '0.0.0.0' });
    const dataDir = path.join(tmp, 'data');
    const c = load({
      file,
      env: { SPARKPORT_PORT: '9100', SPARKPORT_DATA_DIR: '/elsewhere' },
      overrides: { port: 9200, dataDir },
    });
    assert.equal(c.port, 9200);
    assert.equal(c.dataDir, dataDir);
    assert.equal(c.host, '0.0.0.0', 'a flag that was not given does not reset the setting');
  });

  test('unknown keys in the file are an error naming the key', () => {
    assert.throws(() => load({ file: configFile({ colour: 'red' }) }), /'colour'/);
    assert.throws(() => load({ file: configFile({ sessions: { maxx: 1 } }) }), /'sessions\.maxx'/);
  });

  test('unknown environment settings are an error naming the key', () => {
    assert.throws(() => load({ env: { SPARKPORT_COLOUR: 'red' } }), (e: Error) => /'colour'/.test(e.message) && /SPARKPORT_COLOUR/.test(e.message));
    assert.throws(() => load({ env: { SPARKPORT_SESSIONS__MAXX: '1' } }), /'sessions\.maxx'/);
    assert.throws(() => load({ env: { SPARKPORT_NOPE__MAX: '1' } }), /'nope\.max'/);
  });

  test('cluster.standalone.restUrl: one or more http(s) URLs, checked at start', () => {
    const ok = load({ env: { SPARKPORT_CLUSTER__STANDALONE__REST_URL: 'http://m1:6066, http://m2:6066/' } });
    assert.equal(ok.cluster.standalone.restUrl, 'http://m1:6066, http://m2:6066/');
    assert.equal(load({ env: { SPARKPORT_CLUSTER__STANDALONE__REST_URL: '' } }).cluster.standalone.restUrl, '', 'empty: unset, the masters\' hosts');
    for (const wrong of ['https://m1:6066', 'http://m1:6066/v1', 'http://u:p@m1:6066']) {
      assert.throws(() => load({ env: { SPARKPORT_CLUSTER__STANDALONE__REST_URL: wrong } }), new RegExp(`has '${wrong.replace(/[.:/]/g, '\\$&')}', which is not http://host:port`));
    }
    assert.throws(() => load({ file: configFile({ cluster: { standalone: { restUrl: ['http://m1:6066'] } } }) }), /'cluster\.standalone\.restUrl' must be a string, got \["http:\/\/m1:6066"\]: give the masters' REST submission servers/);
    assert.throws(() => load({ env: { SPARKPORT_CLUSTER__STANDALONE__REST_URL: ' , ' } }), /'cluster\.standalone\.restUrl' names no URL/);
    assert.throws(() => load({ env: { SPARKPORT_CLUSTER__STANDALONE__REST_URL: 'http://m1:6066,m2:6066' } }), /has 'm2:6066', which is not http:\/\/host:port/);
  });

  test('a section given as a scalar in the file is an error', () => {
    assert.throws(() => load({ file: configFile({ sessions: 5 }) }), /'sessions' must be an object/);
  });

  test('a non-number for a number setting from the environment is an error naming it', () => {
    assert.throws(() => load({ env: { SPARKPORT_PORT: 'eighty' } }), (e: Error) => /SPARKPORT_PORT/.test(e.message) && /number/.test(e.message));
    assert.throws(() => load({ env: { SPARKPORT_SESSIONS__MAX: 'many' } }), /SPARKPORT_SESSIONS__MAX/);
  });

  test('a non-number for a number setting in the file is an error naming it', () => {
    assert.throws(() => load({ file: configFile({ port: 'eighty' }) }), /port/);
    assert.throws(() => load({ file: configFile({ sessions: { max: '4' } }) }), /sessions\.max/);
  });

  test('a malformed JSON value for an object setting in the environment is an error naming the variable', () => {
    assert.throws(() => load({ env: { SPARKPORT_SPARK__DEFAULT_CONF: '{spark.a=1}' } }), /SPARKPORT_SPARK__DEFAULT_CONF/);
  });
});
