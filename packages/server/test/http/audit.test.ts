/**
 * The audit log over HTTP: who created, ran, cancelled, stopped or deleted what, when, and how it
 * ended, one JSON line each, in a file only the server's user reads, and never a secret: no
 * header, credential, query string, code or shared value.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileAuditLog, auditFile } from '../../src/audit/audit-log.ts';
import { auditLines, batchJob, makeHarness, veraViews } from '../support/harness.ts';

type Harness = Awaited<ReturnType<typeof makeHarness>>;
interface Line { at: string; user: string | null; address: string; action: string; status: number; outcome: string; [k: string]: unknown }

describe('the audit log', () => {
  let h: Harness;
  let job: string;
  const as = (user: string, headers: Record<string, string> = {}) => (method: string, url: string, body?: unknown) =>
    h.json(method, url, body, { 'x-test-user': user, ...headers });
  const alice = as('alice');
  const text = () => readFileSync(auditFile(h.config), 'utf8');
  const lines = (): Line[] => auditLines<Line>(h.config);
  const last = (action: string) => lines().filter((l) => l.action === action).at(-1);

  before(async () => {
    h = await makeHarness(veraViews, undefined, { testUserHeader: true });
    job = batchJob(h.config);
  });
  after(async () => { await h.close(); });

  test('is <dataDir>/audit.log by default, readable by the server\'s user only', () => {
    assert.equal(auditFile(h.config), path.join(h.config.dataDir, 'audit.log'));
    assert.equal(statSync(auditFile(h.config)).mode & 0o777, 0o600);
  });

  test('an existing file with a wider mode is narrowed to 600 when opened', () => {
    const f = path.join(h.config.dataDir, 'old-audit.log');
    writeFileSync(f, '');
    chmodSync(f, 0o644);
    new FileAuditLog(f).close();
    assert.equal(statSync(f).mode & 0o777, 0o600);
  });

  test('create, run, cancel, stop and delete are written with who, what, when and the outcome', async () => {
    const t0 = Date.now();
    const s = await alice('POST', '/sessions', { kind: 'pyspark' });
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/state`)).body.state === 'idle', 'idle');
    const st = await alice('POST', `/sessions/${s.body.id}/statements`, { code: 'sleep:10000' });
    await alice('POST', `/sessions/${s.body.id}/statements/${st.body.id}/cancel`);
    await alice('POST', `/sessions/${s.body.id}/stop`);
    await alice('DELETE', `/sessions/${s.body.id}`);

    const created = last('createSession')!;
    assert.equal(created.user, 'alice');
    assert.equal(created.address, '127.0.0.1');
    assert.equal(created.session, s.body.id);
    assert.equal(created.status, 201);
    assert.equal(created.outcome, 'ok');
    assert.ok(Date.parse(created.at) >= t0 - 1000 && Date.parse(created.at) <= Date.now(), created.at);
    assert.deepEqual(
      { ...last('createStatement'), at: 0 },
      { at: 0, user: 'alice', address: '127.0.0.1', action: 'createStatement', session: s.body.id, statement: st.body.id, kind: 'pyspark', codeLength: 11, status: 201, outcome: 'ok' },
    );
    assert.deepEqual([last('cancelStatement')!.statement, last('cancelStatement')!.outcome], [st.body.id, 'ok']);
    assert.equal(last('stopSession')!.session, s.body.id);
    assert.equal(last('deleteSession')!.session, s.body.id);
  });

  test('batches: submit, stop and delete, with the batch id and any proxyUser', async () => {
    const b = await alice('POST', '/batches', { file: job, proxyUser: 'alice' });
    await alice('POST', `/batches/${b.body.id}/stop`);
    await alice('DELETE', `/batches/${b.body.id}`);
    assert.deepEqual([last('createBatch')!.batch, last('createBatch')!.proxyUser, last('createBatch')!.status], [b.body.id, 'alice', 201]);
    assert.equal(last('stopBatch')!.batch, b.body.id);
    assert.equal(last('deleteBatch')!.batch, b.body.id);
  });

  test('refusals and failures are written too; views are not', async () => {
    const s = await alice('POST', '/sessions', { kind: 'pyspark' });
    const before = lines().length;
    await alice('GET', `/sessions/${s.body.id}`);
    await as('vera')('GET', `/sessions/${s.body.id}/log`);
    assert.equal(lines().length, before, 'reading is not an action');
    await as('bob')('DELETE', `/sessions/${s.body.id}`);
    assert.deepEqual(
      { ...lines().at(-1), at: 0 },
      { at: 0, user: 'bob', address: '127.0.0.1', action: 'deleteSession', session: s.body.id, status: 404, outcome: 'denied', code: 'SESSION_NOT_FOUND' },
    );
    await as('vera')('POST', `/sessions/${s.body.id}/statements`, { code: '1' });
    assert.deepEqual([lines().at(-1)!.user, lines().at(-1)!.outcome, lines().at(-1)!.status], ['vera', 'denied', 403]);
    await as('bob')('POST', '/sessions', { proxyUser: 'alice' });
    assert.deepEqual([last('createSession')!.user, last('createSession')!.proxyUser, last('createSession')!.outcome], ['bob', 'alice', 'denied']);
    await alice('POST', `/sessions/${s.body.id}/stop`);
    await alice('POST', `/sessions/${s.body.id}/statements`, { code: '1' });
    assert.deepEqual([lines().at(-1)!.status, lines().at(-1)!.outcome, lines().at(-1)!.code], [409, 'failed', 'SESSION_NOT_ACTIVE']);
  });

  test('a statement is on record as soon as it is accepted, before its ?wait ends, and only once', async () => {
    const s = await alice('POST', '/sessions', { kind: 'pyspark' });
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/state`)).body.state === 'idle', 'idle');
    const answer = alice('POST', `/sessions/${s.body.id}/statements?wait=10`, { code: 'sleep:300' });
    await h.waitFor(() => last('createStatement')?.session === s.body.id, 'the audit line, during the wait');
    assert.equal((await answer).body.state, 'available', 'the answer came after the line');
    assert.equal(lines().filter((l) => l.action === 'createStatement' && l.session === s.body.id).length, 1);
  });

  test('a client that hangs up at once still leaves exactly one line for what it did', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as { port: number }).port;
    /** Sends one request over a raw socket and closes it straight away, without reading the answer. */
    const hangUp = (method: string, url: string, body = '') => new Promise<void>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        const typed = body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : '';
        sock.end(`${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-test-user: alice\r\n${typed}\r\n${body}`, () => {
          sock.destroy();
          resolve();
        });
      }).on('error', reject);
    });
    const settle = () => new Promise((r) => setTimeout(r, 150));
    const s = await alice('POST', '/sessions', { kind: 'pyspark' });
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/state`)).body.state === 'idle', 'idle');

    await hangUp('PUT', `/sessions/${s.body.id}/shared/m/k`, '"v"');
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/shared/m/k`)).status === 200, 'the value put');
    await hangUp('DELETE', `/sessions/${s.body.id}`);
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}`)).status === 404, 'the session deleted');
    await h.waitFor(() => last('deleteSession')?.session === s.body.id, 'the deleteSession line');
    await settle();
    const mine = lines().filter((l) => l.session === s.body.id && l.user === 'alice' && l.action !== 'createSession');
    assert.deepEqual(mine.map((l) => [l.action, l.status, l.outcome]), [['putSharedKey', 200, 'ok'], ['deleteSession', 200, 'ok']]);
    // The delete takes a while (its driver is stopped first): the client was gone before the answer.
    assert.equal(mine[1]!.clientGone, true);
  });

  test('no secrets: no header, credential, query string, code, shared key or value reaches the file', async () => {
    const secrets = ['hunter2-basic', 'tok-s3cr3t', 'cookie-s3cr3t', 'query-s3cr3t', 'code-s3cr3t', 'key-s3cr3t', 'value-s3cr3t'];
    const s = await alice('POST', '/sessions', { kind: 'pyspark' });
    await h.waitFor(async () => (await alice('GET', `/sessions/${s.body.id}/state`)).body.state === 'idle', 'idle');
    const basic = `Basic ${Buffer.from('alice:hunter2-basic').toString('base64')}`;
    for (const authorization of [basic, 'Bearer tok-s3cr3t']) {
      const r = as('alice', { authorization, cookie: 'session=cookie-s3cr3t' });
      await r('POST', `/sessions/${s.body.id}/statements?wait=1&token=query-s3cr3t`, { code: 'x = "code-s3cr3t"' });
      await r('POST', `/sessions/${s.body.id}/statements?wait=1`, { code: 'x = "code-s3cr3t"' });
      await r('PUT', `/sessions/${s.body.id}/shared/m/key-s3cr3t`, '"value-s3cr3t"');
      await r('DELETE', `/sessions/${s.body.id}/shared/m/key-s3cr3t`);
    }
    const all = text();
    assert.ok(lines().some((l) => l.action === 'putSharedKey' && l.shared === 'm'), 'the shared map by name');
    assert.ok(lines().some((l) => l.action === 'createStatement' && l.codeLength === 'x = "code-s3cr3t"'.length));
    for (const secret of [...secrets, Buffer.from('alice:hunter2-basic').toString('base64')]) {
      assert.ok(!all.includes(secret), `${secret} is in the audit log`);
    }
    assert.ok(!/authorization|cookie|bearer|basic /i.test(all));
  });
});
