/**
 * The seed's SharedRdd(session_url, name), done right, from Python and from TypeScript, against
 * the live session: get, set, list, delete, save, load.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SharedRdd } from '../../packages/client/src/index.ts';
import { BASE, sharedSession } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('SharedRdd clients', () => {
  let s: number;
  before(async () => { s = await sharedSession(); });

  test('TypeScript SharedRdd', async () => {
    const states = new SharedRdd(`${BASE}/sessions/${s}`, 'ts_states');
    await states.delete().catch(() => undefined);
    assert.equal(await states.get('ak'), undefined);
    await states.set('ak', 'Alaska');
    await states.setMany({ hi: 'Hawaii', ca: { name: 'California' } });
    assert.equal(await states.get('ak'), 'Alaska');
    assert.deepEqual(await states.get('ca'), { name: 'California' });
    const all: [string, unknown][] = [];
    for await (const e of states.entries()) all.push(e);
    assert.deepEqual(all.map(([k]) => k), ['ak', 'ca', 'hi']);
    assert.ok((await states.list()).some((i) => i.name === 'ts_states' && i.size === 3));
    await states.delete('hi');
    assert.equal(await states.get('hi'), undefined);
    const dir = process.env.E2E_SHARED_DIR;
    if (dir) {
      const saved = await states.save(`${dir}/ts-${Date.now()}`);
      assert.equal(saved.rows, 2);
      const copy = new SharedRdd(`${BASE}/sessions/${s}`, 'ts_copy');
      await copy.load(saved.path);
      assert.equal(await copy.get('ak'), 'Alaska');
    }
  });

  test('Python SharedRdd (the seed\'s class, fixed), installed from the repo', async () => {
    const script = `
from sparkport import SharedRdd
import os, sys, time
states = SharedRdd(sys.argv[1], 'py_states')
try:
    states.delete()
except Exception:
    pass
assert states.get('ak') is None
states.set('ak', 'Alaska')
states.set('none', None)
states.set_many({'hi': 'Hawaii', 'ca': {'name': 'California'}})
assert states.get('ak') == 'Alaska', states.get('ak')
assert states.get('none', 'default') is None
assert [k for k, _ in states.items()] == ['ak', 'ca', 'hi', 'none']
assert any(i['name'] == 'py_states' for i in states.list())
states.delete('hi')
assert states.get('hi') is None
d = os.environ.get('E2E_SHARED_DIR')
if d:
    saved = states.save(d + '/py-%d' % int(time.time() * 1000))
    copy = SharedRdd(sys.argv[1], 'py_copy')
    copy.load(saved['path'])
    assert copy.get('ak') == 'Alaska'
print('ok')
`;
    const r = spawnSync(path.join(ROOT, '.venv/bin/python'), ['-c', script, `${BASE}/sessions/${s}`], {
      env: { ...process.env, PYTHONPATH: path.join(ROOT, 'clients/python') },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  });
});
