/** The web UI's pure parts: routes, the login a challenge asks for, times, forms, typed JSON. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginKinds } from '../../src/api.ts';
import { parseConf } from '../../src/forms.ts';
import { duration, span } from '../../src/format.ts';
import { href, parseRoute } from '../../src/router.ts';
import { parseJsonText } from '../../src/shared/json-text.ts';

test('hash routes: each page, escaped parts, and anything else is the session list', () => {
  assert.deepEqual(parseRoute('#/sessions'), { page: 'sessions' });
  assert.deepEqual(parseRoute(''), { page: 'sessions' });
  assert.deepEqual(parseRoute('#/nowhere/at/all'), { page: 'sessions' });
  assert.deepEqual(parseRoute('#/sessions/3'), { page: 'session', id: '3', tab: 'notebook' });
  assert.deepEqual(parseRoute('#/sessions/3/log'), { page: 'session', id: '3', tab: 'log' });
  assert.deepEqual(parseRoute('#/sessions/3/shared/states'), { page: 'session', id: '3', tab: 'shared', shared: 'states' });
  assert.deepEqual(parseRoute('#/sessions/3/bogus'), { page: 'session', id: '3', tab: 'notebook' });
  assert.deepEqual(parseRoute('#/batches/7'), { page: 'batch', id: '7' });
  // A name with a slash or a hash survives the round trip.
  const name = 'team/a#1 é';
  assert.deepEqual(parseRoute(href('sessions', name)), { page: 'session', id: name, tab: 'notebook' });
});

test('the login form offers what the server\'s challenge names, both when it names neither', () => {
  assert.deepEqual(loginKinds('Basic realm="sparkport"'), { basic: true, bearer: false });
  assert.deepEqual(loginKinds('Bearer realm="sparkport"'), { basic: false, bearer: true });
  assert.deepEqual(loginKinds('Basic realm="sparkport", Bearer realm="sparkport"'), { basic: true, bearer: true });
  assert.deepEqual(loginKinds('Negotiate'), { basic: true, bearer: true });
  assert.deepEqual(loginKinds(null), { basic: true, bearer: true });
});

test('ages and run times as people read them', () => {
  assert.equal(span(0), '0 s');
  assert.equal(span(-40), '0 s');
  assert.equal(span(59_999), '59 s');
  assert.equal(span(3_600_000 + 5 * 60_000), '1 h 5 min');
  assert.equal(span(NaN), '—');
  assert.equal(duration(12), '12 ms');
  assert.equal(duration(1400), '1.4 s');
});

test('Spark configuration lines: key=value, comments and blanks skipped, a bad line named', () => {
  assert.deepEqual(parseConf('a.b=1\n\n# note\n c = x=y \n'), { 'a.b': '1', c: 'x=y' });
  assert.throws(() => parseConf('ok=1\nnot a pair'), /line 2: write it as key=value/);
  assert.throws(() => parseConf('=1'), /line 1/);
});

test('typed JSON: values pass, mistakes are named with where they are', () => {
  assert.deepEqual(parseJsonText(' {"a": [1, "x", null]} '), { ok: true, value: { a: [1, 'x', null] } });
  const bad = parseJsonText('{\n  "a": }');
  assert.equal(bad.ok, false);
  assert.match((bad as { message: string }).message, /Line 2, column \d+/);
  assert.equal(parseJsonText('').ok, false);
});
