/**
 * What the CLI prints for a finished statement: text not already streamed, tables, JSON, saved
 * images, errors on stderr; plus the repl's idea of a complete statement.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Statement } from '@sparkport/client';
import { isComplete, loadHistory } from '../../src/commands/repl.ts';
import { parseValue } from '../../src/commands/shared.ts';
import type { Io } from '../../src/io.ts';
import { Progress } from '../../src/progress.ts';
import { formatError, renderStatement, unstreamed } from '../../src/render.ts';
import { formatTable } from '../../src/table.ts';

function fakeIo(json = false) {
  const out: string[] = [], err: string[] = [];
  const io: Io = {
    out: (t) => { out.push(t); }, err: (t) => { err.push(t); }, json, env: {}, stdinIsTty: true,
    progress: new Progress(process.stderr, false), readStdin: async () => '',
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}
const ok = (data: Record<string, unknown>, extra: object = {}): Statement =>
  ({ id: 7, code: '', state: 'available', progress: 1, started: 1, completed: 2, output: { status: 'ok', execution_count: 7, data, ...extra } });

describe('CLI rendering', () => {
  test('tables', () => {
    assert.equal(formatTable(['id', 'name'], [[0, 'a'], [10, null], [2, { x: 1 }]]),
      'id | name\n---+--------\n0  | a\n10 | null\n2  | {"x":1}');
  });

  test('text already streamed is not printed twice; the rest is', () => {
    assert.equal(unstreamed('a\nb\n42', { stdout: 'a\nb\n42\n', stderr: '' }), '');
    assert.equal(unstreamed('a\nwarn\n42', { stdout: 'a\n', stderr: 'warn\n' }), '42');
    assert.equal(unstreamed('42', { stdout: '', stderr: '' }), '42');
    assert.equal(unstreamed('cut sho', { stdout: 'cut short by the limit\n', stderr: '' }), '');
  });

  test('results: text, SQL and %table as tables, other JSON pretty, images to files', () => {
    let f = fakeIo();
    assert.equal(renderStatement(f.io, ok({ 'text/plain': '2' }), { session: 0 }), false);
    assert.equal(f.out(), '2\n');
    f = fakeIo();
    renderStatement(f.io, ok({ 'application/json': { schema: { type: 'struct', fields: [{ name: 'one' }] }, data: [[1]] } }, { truncated: true, total: 5000 }), { session: 0 });
    assert.equal(f.out(), 'one\n---\n1\n');
    assert.match(f.err(), /cut at the server's output limit: 5000 in all/);
    f = fakeIo();
    renderStatement(f.io, ok({ 'application/vnd.livy.table.v1+json': { headers: [{ name: 'a', type: 'INT_TYPE' }], data: [[1], [2]] } }), { session: 0 });
    assert.equal(f.out(), 'a\n-\n1\n2\n');
    f = fakeIo();
    renderStatement(f.io, ok({ 'application/json': { k: [1] } }), { session: 0 });
    assert.deepEqual(JSON.parse(f.out()), { k: [1] });
    f = fakeIo();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-img-'));
    renderStatement(f.io, ok({ 'image/png': Buffer.from('png!').toString('base64'), 'text/plain': '' }), { session: 'my s', saveImages: dir });
    const file = path.join(dir, 'sparkport-my_s-7.png');
    assert.equal(f.out(), `image saved to ${file}\n`);
    assert.equal(readFileSync(file, 'utf8'), 'png!');
  });

  test('errors and cancellations fail, on stderr; --json prints the statement only', () => {
    let f = fakeIo();
    const err: Statement = { ...ok({}), output: { status: 'error', execution_count: 7, ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['Traceback (most recent call last):\n', 'ZeroDivisionError: division by zero\n'] } };
    assert.equal(renderStatement(f.io, err, { session: 0 }), true);
    assert.equal(f.out(), '');
    assert.match(f.err(), /^Traceback[\s\S]*ZeroDivisionError: division by zero\n$/);
    f = fakeIo();
    assert.equal(renderStatement(f.io, { ...ok({}), state: 'cancelled', output: null }, { session: 0 }), true);
    assert.match(f.err(), /was cancelled/);
    f = fakeIo(true);
    assert.equal(renderStatement(f.io, err, { session: 0 }), true);
    assert.equal(JSON.parse(f.out()).output.ename, 'ZeroDivisionError');
    assert.equal(f.err(), '');
    assert.equal(formatError('AnalysisException', 'no table t', Array(10).fill('at x')), `AnalysisException: no table t\n${'  at x\n'.repeat(8)}  … 2 more lines\n`);
  });

  test('progress line: a spinner, then a bar', () => {
    const p = new Progress(new PassThrough(), true);
    p.update('session e2e starting');
    assert.match(p.render(), /^. session e2e starting \(0s\)$/);
    p.update('statement 3 running', 0.5);
    assert.match(p.render(), /statement 3 running \[#{12}-{12}\] 50% \(\d+s\)/);
    p.stop();
  });

  test('repl: when a statement is complete', () => {
    assert.equal(isComplete(['1 + 1'], 'pyspark'), true);
    assert.equal(isComplete(['for i in range(3):'], 'pyspark'), false);
    assert.equal(isComplete(['for i in range(3):', '    print(i)'], 'pyspark'), false);
    assert.equal(isComplete(['for i in range(3):', '    print(i)', ''], 'pyspark'), true);
    assert.equal(isComplete(['f(1,'], 'pyspark'), false);
    assert.equal(isComplete(['f(1,', '2)'], 'pyspark'), false);
    assert.equal(isComplete(['s = """a'], 'pyspark'), false);
    assert.equal(isComplete(['x = "(" # )'], 'pyspark'), true);
    assert.equal(isComplete(['SELECT 1 \\'], 'sql'), false);
    assert.equal(isComplete(['SELECT 1 \\', 'FROM t'], 'sql'), true);
    assert.deepEqual(loadHistory('/nonexistent/history'), []);
  });

  test('shared values: JSON when it parses, text otherwise', () => {
    assert.deepEqual(parseValue('{"a":1}'), { a: 1 });
    assert.equal(parseValue('42'), 42);
    assert.equal(parseValue('Alaska'), 'Alaska');
    assert.equal(parseValue('42', true), '42');
  });
});
