/**
 * The access policy as pure functions (domain/access.ts), and its settings: who may view and
 * modify what, who may set which proxyUser, and what a refusal says.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ENDPOINTS, ACCESS_LEVELS } from '@sparkport/protocol';
import { loadConfig } from '../../src/config.ts';
import { checkImpersonation, checkRight, may, mayImpersonate, runAs, type AccessPolicy } from '../../src/domain/access.ts';
import { DomainError } from '../../src/domain/errors.ts';

const policy: AccessPolicy = {
  superusers: ['root'],
  viewUsers: ['auditor'],
  modifyUsers: ['ops'],
  impersonation: { knox: ['*'], etl: ['reports', 'loader'], '*': ['guest'] },
  runAsOwner: false,
};

describe('access policy', () => {
  test('every endpoint declares a right, and only rights the server knows', () => {
    for (const ep of ENDPOINTS) {
      assert.ok(ACCESS_LEVELS.includes(ep.access), `${ep.operationId} declares access ${String(ep.access)}`);
    }
  });

  test('authentication off (no user): everything is allowed, as before access control', () => {
    for (const right of ['view', 'modify'] as const) assert.equal(may(policy, null, right, 'alice'), true);
    assert.equal(mayImpersonate(policy, null, 'anyone'), true);
  });

  test('the owner, superusers and modify users may view and modify; view users only view; strangers neither', () => {
    const table: [string, boolean, boolean][] = [
      ['alice', true, true], ['root', true, true], ['ops', true, true], ['auditor', true, false], ['bob', false, false],
    ];
    for (const [user, view, modify] of table) {
      assert.equal(may(policy, user, 'view', 'alice'), view, `${user} view`);
      assert.equal(may(policy, user, 'modify', 'alice'), modify, `${user} modify`);
    }
  });

  test('a thing without an owner (made while authentication was off) is no one\'s: only listed users reach it', () => {
    assert.equal(may(policy, 'alice', 'view', null), false);
    assert.equal(may(policy, 'auditor', 'view', null), true);
    assert.equal(may(policy, 'ops', 'modify', null), true);
  });

  test('* in a list means every authenticated user (Livy\'s ACL wildcard)', () => {
    const open = { ...policy, viewUsers: ['*'] };
    assert.equal(may(open, 'bob', 'view', 'alice'), true);
    assert.equal(may(open, 'bob', 'modify', 'alice'), false);
  });

  test('a refusal to one who may view is FORBIDDEN, naming the missing right and who has it, not the owner', () => {
    const unseen = () => new DomainError('SESSION_NOT_FOUND', "Session '3' not found.");
    assert.doesNotThrow(() => checkRight(policy, 'auditor', 'view', 'alice', 'session 3', unseen));
    const e = (() => { try { checkRight(policy, 'auditor', 'modify', 'alice', 'session 3', unseen); } catch (x) { return x; } })();
    assert.ok(e instanceof DomainError);
    assert.equal(e.code, 'FORBIDDEN');
    assert.match(e.message, /'auditor' lacks the modify right over session 3: only its owner, access\.modifyUsers and access\.superusers have it/);
    assert.doesNotMatch(e.message, /alice|owned/);
  });

  test('one who may not even view it gets what a missing thing gets, for every right, owned or not', () => {
    const missing = new DomainError('BATCH_NOT_FOUND', "Batch '1' not found.");
    for (const right of ['view', 'modify'] as const) {
      for (const owner of ['alice', null]) {
        assert.throws(() => checkRight(policy, 'bob', right, owner, 'batch 1', () => missing), (x) => x === missing, `${right} ${owner}`);
      }
    }
  });

  test('proxyUser: one\'s own name, superusers, and the impersonation rules (by user or *, to a user or *)', () => {
    const cases: [string, string, boolean][] = [
      ['bob', 'bob', true], // not impersonation at all
      ['root', 'anyone', true],
      ['knox', 'anyone', true],
      ['etl', 'reports', true],
      ['etl', 'root', false],
      ['bob', 'guest', true], // the * rule
      ['bob', 'reports', false],
      ['ops', 'alice', false], // modifying others' sessions is not running as them
      ['auditor', 'alice', false],
    ];
    for (const [user, proxy, ok] of cases) assert.equal(mayImpersonate(policy, user, proxy), ok, `${user} as ${proxy}`);
    assert.equal(mayImpersonate(policy, 'bob', null), true, 'no proxyUser needs no rule');
    assert.throws(
      () => checkImpersonation(policy, 'etl', 'root'),
      (e: DomainError) => e.code === 'FORBIDDEN' && /'etl' may not set proxyUser 'root'/.test(e.message)
        && /access\.superusers/.test(e.message) && /access\.impersonation/.test(e.message),
    );
  });
});

describe('who a driver runs as', () => {
  test('the proxyUser asked for; else, with runAsOwner, the owner; else the server\'s user (null)', () => {
    const on = { runAsOwner: true };
    const off = { runAsOwner: false };
    const local = { master: 'local[2]', deployMode: 'client' as const };
    assert.equal(runAs(on, 'alice', null, local), 'alice');
    assert.equal(runAs(on, 'etl', 'reports', local), 'reports', 'an explicit proxyUser wins (checked against the rules beforehand)');
    assert.equal(runAs(on, null, null, local), null, 'authentication off: no owner, nothing to run as');
    assert.equal(runAs(off, 'alice', null, local), null);
    assert.equal(runAs(off, 'alice', 'alice', local), 'alice');
    assert.equal(runAs(on, 'alice', null, { master: 'spark://m:7077', deployMode: 'client' }), 'alice');
    assert.equal(runAs(on, 'alice', null, { master: 'yarn', deployMode: 'cluster' }), 'alice');
    assert.equal(runAs(on, 'alice', null, { master: 'spark://m:7077', deployMode: 'cluster' }), null,
      'standalone cluster mode starts the driver as the worker\'s user: the owner would be shown, not honoured');
  });
});

describe('access settings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-access-'));
  const file = (json: unknown) => {
    const f = path.join(dir, `c${Math.random()}.json`);
    writeFileSync(f, JSON.stringify(json));
    return f;
  };

  test('default: no one is listed, no one may impersonate; the audit log is <dataDir>/audit.log', () => {
    const c = loadConfig({ env: {}, overrides: { dataDir: dir } });
    assert.deepEqual(c.access, { superusers: [], viewUsers: [], modifyUsers: [], impersonation: {}, runAsOwner: false });
    assert.equal(c.audit.file, path.join(dir, 'audit.log'));
  });

  test('from a file (impersonation keys are user names, not settings) and from the environment', () => {
    const f = file({ access: { superusers: ['root'], impersonation: { etl: ['reports'], '*': ['guest'] } }, audit: { file: 'rel/audit.jsonl' } });
    const c = loadConfig({ file: f, env: { SPARKPORT_ACCESS__VIEW_USERS: 'auditor, ops', SPARKPORT_ACCESS__MODIFY_USERS: 'ops' } });
    assert.deepEqual(c.access, { superusers: ['root'], viewUsers: ['auditor', 'ops'], modifyUsers: ['ops'], impersonation: { etl: ['reports'], '*': ['guest'] }, runAsOwner: false });
    assert.equal(c.audit.file, path.resolve('rel/audit.jsonl'));
    const e = loadConfig({ env: { SPARKPORT_ACCESS__IMPERSONATION: '{"knox":["*"]}', SPARKPORT_ACCESS__RUN_AS_OWNER: 'true' } });
    assert.deepEqual(e.access.impersonation, { knox: ['*'] });
    assert.equal(e.access.runAsOwner, true);
  });

  test('a malformed access setting stops the server at start', () => {
    assert.throws(() => loadConfig({ file: file({ access: { impersonation: { etl: 'reports' } } }), env: {} }), /access\.impersonation\.etl/);
    assert.throws(() => loadConfig({ file: file({ access: { superusers: 'root' } }), env: {} }), /access\.superusers/);
    assert.throws(() => loadConfig({ file: file({ access: { viewUsers: [''] } }), env: {} }), /access\.viewUsers/);
    assert.throws(() => loadConfig({ file: file({ access: { admins: [] } }), env: {} }), /Unknown setting 'access\.admins'/);
    assert.throws(() => loadConfig({ file: file({ access: { runAsOwner: 'yes' } }), env: {} }), /Setting 'access\.runAsOwner' must be a boolean/);
  });
});
