/**
 * The CLI's argument parsing: commands, positionals, global options anywhere, and every mistake
 * a usage error (exit 2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommandLine, parseConf, seconds, type Parsed } from '../../src/args.ts';
import { UsageError, exitCodeFor } from '../../src/exit.ts';
import { NetworkError, SparkportError } from '@sparkport/client';

const parse = (...argv: string[]) => {
  const r = parseCommandLine(argv);
  assert.equal(r.help, false);
  return r as Parsed & { help: false };
};
const usage = (argv: string[], re: RegExp) =>
  assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && re.test(e.message));

describe('CLI arguments', () => {
  test('group commands, positionals and options', () => {
    const p = parse('sessions', 'create', '-k', 'sql', '--name', 'demo', '-c', 'a=1', '--conf', 'b=2=3', '--no-wait');
    assert.equal(p.command, 'sessions create');
    assert.deepEqual(p.opts, { kind: 'sql', name: 'demo', conf: ['a=1', 'b=2=3'], 'no-wait': true });
    assert.deepEqual(parseConf(p.opts.conf as string[]), { a: '1', b: '2=3' });
    assert.equal(parse('sessions', 'delete', 'demo').args.session, 'demo');
    assert.deepEqual([parse('sessions', 'connect', '3').command, parse('sessions', 'connect', '3').args.session], ['sessions connect', '3']);
  });

  test('global options anywhere, their values never taken for the command', () => {
    const p = parse('--url', 'http://h:1', 'run', '--json', '-s', 'e2e', 'print(1)');
    assert.equal(p.command, 'run');
    assert.equal(p.url, 'http://h:1');
    assert.equal(p.json, true);
    assert.equal(p.opts.session, 'e2e');
    assert.equal(p.args.code, 'print(1)');
    assert.equal(parse('run', '-f', 'job.py').opts.file, 'job.py');
    assert.equal(parse('run').args.code, undefined);
  });

  test('batch submit keeps the application\'s own arguments, options included, after --', () => {
    const p = parse('batch', 'submit', 'job.py', 'a', '--follow', '--', '--verbose', 'b');
    assert.equal(p.args.file, 'job.py');
    assert.deepEqual(p.rest, ['a', '--verbose', 'b']);
    assert.equal(p.opts.follow, true);
    assert.equal(parse('batch', 'logs', '3', '-F').opts.follow, true);
  });

  test('shared commands', () => {
    const p = parse('shared', 'set', 'states', 'ak', '{"name":"Alaska"}', '-s', '0');
    assert.deepEqual(p.args, { name: 'states', key: 'ak', value: '{"name":"Alaska"}' });
    assert.equal(parse('shared', 'get', 'states').args.key, undefined);
  });

  test('help', () => {
    assert.deepEqual(parseCommandLine(['--help']), { help: true });
    assert.deepEqual(parseCommandLine(['help']), { help: true });
    assert.deepEqual(parseCommandLine(['run', '-h']), { help: true, command: 'run' });
  });

  test('mistakes are usage errors', () => {
    usage([], /no command/);
    usage(['frobnicate'], /unknown command 'frobnicate'/);
    usage(['sessions'], /needs an action: list, create/);
    usage(['sessions', 'nuke'], /unknown command 'sessions nuke'/);
    usage(['sessions', 'delete'], /missing SESSION/);
    usage(['sessions', 'list', 'extra'], /unexpected argument 'extra'/);
    usage(['run', '--bogus', 'x'], /run: Unknown option '--bogus'/);
    usage(['run', '-s'], /run: Option '-s, --session <value>' argument missing/);
    assert.throws(() => parseConf(['novalue']), UsageError);
    assert.throws(() => seconds('soon', 'timeout'), UsageError);
    assert.equal(seconds('1.5', 'timeout'), 1.5);
  });

  test('exit codes', () => {
    assert.equal(exitCodeFor(new UsageError('x')), 2);
    assert.equal(exitCodeFor(new SparkportError(409, 'SESSION_NOT_ACTIVE', 'x')), 3);
    assert.equal(exitCodeFor(new NetworkError('x')), 4);
  });
});
