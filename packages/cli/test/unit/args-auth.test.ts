/**
 * The CLI's credentials: --user (password from SPARKPORT_PASSWORD only) or --token, else the
 * SPARKPORT_USER / SPARKPORT_TOKEN environment, else none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { commandLineWarnings, credentials, parseCommandLine, usage, type Parsed } from '../../src/args.ts';
import { UsageError } from '../../src/exit.ts';

const bin = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));
const parse = (...argv: string[]) => parseCommandLine(argv) as Parsed & { help: false };

describe('CLI credentials', () => {
  test('--user and --token are global options, anywhere on the line', () => {
    const p = parse('sessions', 'list', '--user', 'alice');
    assert.equal(p.user, 'alice');
    assert.deepEqual(p.opts, {});
    assert.equal(parse('-u', 'bob', 'run', '-s', 'x', '1').user, 'bob');
    assert.equal(parse('batch', 'list', '--token', 't0k').token, 't0k');
  });

  test('options first, then the environment; the password only from the environment', () => {
    assert.deepEqual(credentials({ user: 'alice' }, { SPARKPORT_PASSWORD: 'pw', SPARKPORT_TOKEN: 'ignored' }), { user: 'alice', password: 'pw' });
    assert.deepEqual(credentials({ token: 't0k' }, { SPARKPORT_USER: 'ignored', SPARKPORT_PASSWORD: 'pw' }), { token: 't0k' });
    assert.deepEqual(credentials({}, { SPARKPORT_TOKEN: 'env-token' }), { token: 'env-token' });
    assert.deepEqual(credentials({}, { SPARKPORT_USER: 'carol', SPARKPORT_PASSWORD: '' }), { user: 'carol', password: '' });
    assert.equal(credentials({}, {}), null);
  });

  test('mistakes are usage errors', () => {
    assert.throws(() => credentials({ user: 'alice' }, {}), (e: unknown) => e instanceof UsageError && /--user alice needs the password in SPARKPORT_PASSWORD/.test(e.message));
    assert.throws(() => credentials({ user: 'a', token: 't' }, {}), UsageError);
  });

  test('--token still works, with a warning that ps shows it and SPARKPORT_TOKEN does not', () => {
    const p = parse('sessions', 'list', '--token', 't0k');
    assert.deepEqual(credentials(p, {}), { token: 't0k' });
    const [warning, ...more] = commandLineWarnings(p);
    assert.deepEqual(more, []);
    assert.match(warning!, /^sparkport: warning: --token .*other users .*\(ps\); set SPARKPORT_TOKEN instead$/);
    assert.ok(!warning!.includes('t0k'), 'the warning does not repeat the token');
    assert.deepEqual(commandLineWarnings(parse('sessions', 'list')), [], 'the environment is the quiet way');
    assert.deepEqual(commandLineWarnings(parse('sessions', 'list', '-u', 'alice')), []);
    assert.match(usage(), /token in \$SPARKPORT_TOKEN/);
  });

  test('the warning reaches stderr when the command runs', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', bin, '--url', 'http://127.0.0.1:9', 'sessions', 'list', '--token', 't0k'], {
      encoding: 'utf8', env: { ...process.env, SPARKPORT_TOKEN: '' }, timeout: 30_000,
    });
    assert.match(r.stderr, /sparkport: warning: --token .* set SPARKPORT_TOKEN instead/);
    assert.equal(r.stdout, '');
  });
});
