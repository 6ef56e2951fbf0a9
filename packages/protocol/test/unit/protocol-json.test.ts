/**
 * The checked-in protocol.json copies are what the Python driver and client read: each must be
 * exactly what the TypeScript tables generate now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_JSON_PATHS, protocolJson } from '../../src/generate-json.ts';
import { MACHINES, sessionMachine } from '../../src/machines.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test('every checked-in protocol.json is up to date (run `npm run gen:protocol` when this fails)', () => {
  const want = protocolJson();
  for (const p of PROTOCOL_JSON_PATHS) assert.equal(readFileSync(path.join(root, p), 'utf8'), want, `${p} is stale`);
});

test('every move in every table goes to a state of the same table', () => {
  for (const m of Object.values(MACHINES)) {
    for (const s of m.states) for (const t of (m.table as Record<string, { to: readonly string[] }>)[s]!.to) assert.ok((m.states as readonly string[]).includes(t), `${m.name}: ${s} → ${t}`);
  }
});

test('finished states are terminal, and no live session state is finished', () => {
  for (const m of Object.values(MACHINES)) {
    const done = (m.sets as Record<string, readonly string[]>).finished ?? (m.sets as Record<string, readonly string[]>).gone;
    for (const s of done) assert.deepEqual((m.table as Record<string, { to: readonly string[] }>)[s]!.to, [], `${m.name}.${s}`);
  }
  for (const s of sessionMachine.sets.live) assert.ok(!sessionMachine.is(s, 'finished'), s);
});
