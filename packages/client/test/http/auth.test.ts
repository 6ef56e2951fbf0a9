/**
 * The TypeScript client's credentials against a server with Basic and static tokens on: sent
 * with every request (event streams too), and a refusal is a SparkportError with the code.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { makeHarness } from '../../../server/test/support/harness.ts';
import { SparkportClient, SparkportError } from '../../src/index.ts';

describe('SparkportClient with credentials', () => {
  let h: Awaited<ReturnType<typeof makeHarness>>;
  let url: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sparkport-client-auth-'));
  before(async () => {
    writeFileSync(path.join(tmp, 'htpasswd'), `alice:${bcrypt.hashSync('pässword', 4)}\n`);
    writeFileSync(path.join(tmp, 'tokens'), `ci:${createHash('sha256').update('t0k').digest('hex')}\n`);
    h = await makeHarness((c) => {
      c.auth.basic.htpasswdFile = path.join(tmp, 'htpasswd');
      c.auth.tokens.file = path.join(tmp, 'tokens');
    });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('Basic (UTF-8 passwords too): requests and event streams', async () => {
    const c = new SparkportClient({ baseUrl: url, auth: { user: 'alice', password: 'pässword' } });
    const s = await c.createSession({ kind: 'pyspark' });
    assert.equal(s.owner, 'alice');
    await c.waitForSession(s.id);
    const st = await c.submit(s.id, 'print:x');
    const seen: string[] = [];
    for await (const ev of c.statementEvents(s.id, st.id)) seen.push(ev.event);
    assert.equal(seen.at(-1), 'done');
  });

  test('a token goes as Bearer', async () => {
    const c = new SparkportClient({ baseUrl: url, auth: { token: 't0k' } });
    assert.equal((await c.createSession({ kind: 'sql' })).owner, 'ci');
  });

  test('no or wrong credentials: SparkportError 401 UNAUTHORIZED', async () => {
    for (const auth of [undefined, { user: 'alice', password: 'nope' }, { token: 'nope' }]) {
      await assert.rejects(new SparkportClient({ baseUrl: url, auth }).listSessions(),
        (e: unknown) => e instanceof SparkportError && e.status === 401 && e.code === 'UNAUTHORIZED');
    }
  });
});
