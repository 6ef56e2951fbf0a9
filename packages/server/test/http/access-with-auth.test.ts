/**
 * Access control behind real authentication (static bearer tokens): the token's user owns what
 * it creates, others are refused (a stranger as if it did not exist, a view user with 403), requests without credentials never reach the access check,
 * and the audit log records who, never the token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditFile } from '../../src/audit/audit-log.ts';
import { makeHarness } from '../support/harness.ts';

const TOKENS = { alice: 'alice-t0ken-secret', bob: 'bob-t0ken-secret', vera: 'vera-t0ken-secret' };
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

describe('access control with authentication on', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  const as = (user: keyof typeof TOKENS) => (method: string, url: string, body?: unknown) =>
    h.json(method, url, body, { authorization: `Bearer ${TOKENS[user]}` });

  before(async () => {
    h = await makeHarness((c) => {
      const file = path.join(c.dataDir, 'tokens');
      writeFileSync(file, Object.entries(TOKENS).map(([u, t]) => `${u}:${sha(t)}`).join('\n'));
      c.auth.tokens.file = file;
      c.access.viewUsers = ['vera'];
    });
  });
  after(async () => { await h.close(); });

  test('the authenticated user owns what it creates; a stranger finds nothing, a view user may look', async () => {
    const s = await as('alice')('POST', '/sessions', { kind: 'pyspark' });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.equal(s.body.owner, 'alice');
    const bob = await as('bob')('POST', `/sessions/${s.body.id}/statements`, { code: '1' });
    assert.deepEqual([bob.status, bob.body], [404, { msg: `Session '${s.body.id}' not found.`, code: 'SESSION_NOT_FOUND' }]);
    assert.equal((await as('bob')('GET', '/sessions')).body.total, 0);
    assert.equal((await as('vera')('GET', `/sessions/${s.body.id}/state`)).status, 200);
    const vera = await as('vera')('DELETE', `/sessions/${s.body.id}`);
    assert.deepEqual([vera.status, vera.body.code], [403, 'FORBIDDEN']);
    assert.equal((await as('alice')('DELETE', `/sessions/${s.body.id}`)).status, 200);
  });

  test('without credentials: 401 before any access check, except the public document', async () => {
    const r = await h.json('GET', '/sessions/0/state');
    assert.equal(r.status, 401);
    assert.equal((await h.json('GET', '/openapi.json')).status, 200);
  });

  test('the audit log names the users and holds no token', () => {
    const text = readFileSync(auditFile(h.config), 'utf8');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { user: string | null; action: string; outcome: string });
    const created = lines.find((l) => l.action === 'createSession')!;
    assert.deepEqual([created.user, created.outcome], ['alice', 'ok']);
    assert.ok(lines.some((l) => l.user === 'bob' && l.action === 'createStatement' && l.outcome === 'denied'));
    assert.ok(lines.some((l) => l.user === null && l.action === 'getSessionState' && l.outcome === 'denied'), 'a 401 is on record');
    for (const t of Object.values(TOKENS)) assert.ok(!text.includes(t));
  });
});
