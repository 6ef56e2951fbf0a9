/**
 * Following a cluster-mode application (driver/cluster/cluster-app.ts): spark-submit's output
 * until it names the submission, then the cluster manager's reports until the end, which becomes
 * the process's exit; kills through the manager; adoption by the recorded id. The managers'
 * parsing of real answers (YARN's app report, the standalone REST status) is checked here too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adoptClusterApp, ClusterApp } from '../../src/driver/cluster/cluster-app.ts';
import type { AppReport, ClusterManager } from '../../src/driver/cluster/cluster-manager.ts';
import { logPageLines } from '../../src/driver/cluster/cluster-manager.ts';
import { standaloneManager, standaloneReport } from '../../src/driver/cluster/standalone.ts';
import { hadoopProperty, resourceManagerUrl, resourceManagerUrls, yarnManager, yarnReport } from '../../src/driver/cluster/yarn.ts';
import type { DetachedProcess } from '../../src/driver/detached-process.ts';
import { RunFiles } from '../../src/driver/run-files.ts';

class FakeManager implements ClusterManager {
  name = 'FakeYARN';
  reports: (AppReport | Error)[] = [];
  kills: string[] = [];
  tail: string[] = [];
  submissionIn = (line: string) => /Submitted application (\S+)/.exec(line)?.[1];
  async report(): Promise<AppReport> {
    const r = this.reports.length > 1 ? this.reports.shift()! : this.reports[0]!;
    if (r instanceof Error) throw r;
    return r;
  }
  async kill(id: string) {
    this.kills.push(id);
    this.reports = [{ phase: 'killed', state: 'KILLED', appId: id }];
  }
  async driverLogTail() { return this.tail; }
}

/** spark-submit as the watcher sees it: lines, then an exit. */
function fakeSubmit() {
  const out: ((s: 'stdout' | 'stderr', l: string) => void)[] = [];
  const exits: ((c: number | null, s: string | null) => void)[] = [];
  const signals: string[] = [];
  const proc = {
    pid: 4242, exited: false,
    onOutput: (cb: (s: 'stdout' | 'stderr', l: string) => void) => out.push(cb),
    onExit: (cb: (c: number | null, s: string | null) => void) => exits.push(cb),
    kill: (s: string) => signals.push(s),
    logStored: () => undefined,
  };
  return {
    proc: proc as unknown as DetachedProcess, signals,
    say: (l: string) => out.forEach((cb) => cb('stderr', l)),
    exit: (c: number | null, s: string | null = null) => { proc.exited = true; exits.forEach((cb) => cb(c, s)); },
  };
}

function watch(app: ClusterApp) {
  const lines: string[] = [];
  const info: object[] = [];
  app.onOutput((_s, l) => lines.push(l));
  app.onAppInfo((i) => info.push(i));
  const ended = new Promise<[number | null, string | null]>((r) => app.onExit((c, s) => r([c, s])));
  return { lines, info, ended };
}

function runFiles(): RunFiles {
  const run = RunFiles.of(mkdtempSync(path.join(os.tmpdir(), 'sparkport-cluster-app-')), 'batch-1');
  run.clear();
  return run;
}

// The watcher's poll timers don't hold a server process open (unref); here something must.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => undefined, 1000); });
after(() => clearInterval(keepAlive));

describe('a cluster-mode application, followed', () => {
  test('submitted, then RUNNING, then success: exit 0, the id recorded for a restarted server, the UI and log pages reported', async () => {
    const m = new FakeManager();
    m.reports = [
      { phase: 'pending', state: 'ACCEPTED', appId: 'application_1_0001' },
      { phase: 'running', state: 'RUNNING', appId: 'application_1_0001', sparkUiUrl: 'http://rm/proxy/application_1_0001', driverLogUrl: 'http://nm/containerlogs/c1/u' },
      { phase: 'succeeded', state: 'FINISHED/SUCCEEDED', appId: 'application_1_0001' },
    ];
    const run = runFiles();
    const s = fakeSubmit();
    const app = new ClusterApp(m, run, s.proc, { pollMs: 5, master: 'yarn' });
    const w = watch(app);
    assert.equal(app.pid, 4242, 'spark-submit\'s pid while it runs');
    s.say('INFO Client: Submitted application application_1_0001');
    assert.deepEqual(run.readApp(), { id: 'application_1_0001', master: 'yarn' });
    s.exit(0);
    run.remove(); // what spark-submit's end does to its own run files
    assert.deepEqual(run.readApp(), { id: 'application_1_0001', master: 'yarn' }, 'the id outlives spark-submit: a restarted server needs it');
    assert.equal(app.pid, undefined, 'the application has no pid here');
    assert.deepEqual(await w.ended, [0, null]);
    await new Promise((r) => setImmediate(r));
    assert.equal(run.readApp(), null, 'once the end is stored, no later server needs it');
    assert.ok(w.lines.includes('application_1_0001 is RUNNING on FakeYARN'), w.lines.join('\n'));
    assert.ok(w.info.some((i) => JSON.stringify(i).includes('containerlogs')), JSON.stringify(w.info));
    assert.equal(app.endReason, 'application_1_0001 ended FINISHED/SUCCEEDED on FakeYARN');
  });

  test('a failure ends with exit 1, the manager\'s diagnostics as the reason and the driver\'s last log lines as output', async () => {
    const m = new FakeManager();
    m.reports = [{ phase: 'failed', state: 'FINISHED/FAILED', appId: 'a', diagnostics: 'User application exited with status 2' }];
    m.tail = ['ERROR sparkport.driver: cannot connect to 10.0.0.5:20001: [Errno 111] Connection refused'];
    const app = new ClusterApp(m, runFiles(), null, { pollMs: 5, master: 'yarn' }, 'a');
    const w = watch(app);
    assert.deepEqual(await w.ended, [1, null]);
    assert.match(app.endReason!, /FAILED on FakeYARN: User application exited with status 2/);
    assert.ok(w.lines.some((l) => l.includes('cannot connect to 10.0.0.5:20001')), 'the address the driver tried is in the log');
  });

  test('spark-submit failing before it names a submission is the end, with its exit code', async () => {
    const s = fakeSubmit();
    const app = new ClusterApp(new FakeManager(), runFiles(), s.proc, { pollMs: 5, master: 'yarn' });
    const w = watch(app);
    s.exit(1);
    assert.deepEqual(await w.ended, [1, null]);
    assert.match(app.endReason!, /exited with code 1 without submitting/);
  });

  test('a kill goes to spark-submit before the submission is named, to the cluster manager after, once; the end is SIGTERM', async () => {
    const m = new FakeManager();
    m.reports = [{ phase: 'running', state: 'RUNNING' }];
    const s = fakeSubmit();
    const early = new ClusterApp(m, runFiles(), s.proc, { pollMs: 5, master: 'yarn' });
    early.kill('SIGTERM');
    assert.deepEqual(s.signals, ['SIGTERM']);
    const app = new ClusterApp(m, runFiles(), null, { pollMs: 1000, master: 'yarn' }, 'application_9_0009');
    const w = watch(app);
    await new Promise((r) => setTimeout(r, 20));
    app.kill('SIGTERM');
    app.kill('SIGTERM');
    assert.deepEqual(await w.ended, [null, 'SIGTERM']);
    assert.deepEqual(m.kills, ['application_9_0009']);
  });

  test('a kill the manager refuses is said once and sent again with each report until the application ends', async () => {
    const m = new FakeManager();
    m.reports = [{ phase: 'running', state: 'RUNNING' }];
    let refusals = 2;
    m.kill = async (id: string) => {
      m.kills.push(id);
      if (refusals-- > 0) throw new Error('503 the ResourceManager is failing over');
      m.reports = [{ phase: 'killed', state: 'KILLED' }];
    };
    const app = new ClusterApp(m, runFiles(), null, { pollMs: 5, master: 'yarn' }, 'app-k');
    const w = watch(app);
    await new Promise((r) => setTimeout(r, 10));
    app.kill('SIGTERM');
    assert.deepEqual(await w.ended, [null, 'SIGTERM']);
    assert.ok(m.kills.length >= 3, `sent until accepted: ${m.kills.length}`);
    assert.equal(w.lines.filter((l) => l.startsWith('could not kill')).length, 1);
  });

  test('one report at a time: a kill while a report is on its way does not start a second line of polls', async () => {
    const m = new FakeManager();
    let inFlight = 0, most = 0, tails = 0;
    const slow = m.report.bind(m);
    m.report = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return slow();
    };
    m.driverLogTail = async () => { tails++; return ['last words']; };
    m.reports = [{ phase: 'running', state: 'RUNNING' }, { phase: 'running', state: 'RUNNING' }, { phase: 'failed', state: 'FAILED' }];
    const app = new ClusterApp(m, runFiles(), null, { pollMs: 5, master: 'yarn' }, 'app-p');
    const w = watch(app);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 7));
      app.kill('SIGTERM');
    }
    await w.ended;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(most, 1);
    assert.ok(tails <= 1, `the end is told once: ${tails}`);
  });

  test('a manager that can\'t be reached is said once, and polled again until it answers', async () => {
    const m = new FakeManager();
    m.reports = [new Error('ECONNREFUSED'), new Error('ECONNREFUSED'), { phase: 'succeeded', state: 'FINISHED' }];
    const app = new ClusterApp(m, runFiles(), null, { pollMs: 5, master: 'yarn' }, 'x');
    const w = watch(app);
    assert.deepEqual(await w.ended, [0, null]);
    assert.equal(w.lines.filter((l) => l.includes('cannot ask FakeYARN')).length, 1);
    assert.ok(w.lines.includes('FakeYARN answers again'));
  });

  test('adopted by the recorded id after a restart; an application the manager forgot ends with neither code nor signal', async () => {
    const run = runFiles();
    assert.equal(adoptClusterApp(new FakeManager(), run, () => null, 5), null, 'nothing recorded, nothing adopted');
    run.writeApp({ id: 'application_3_0003', master: 'yarn' });
    const m = new FakeManager();
    m.reports = [{ phase: 'gone', state: 'NOT FOUND' }];
    const app = adoptClusterApp(m, run, () => assert.fail('spark-submit is not needed once the id is known'), 5)!;
    const w = watch(app);
    assert.deepEqual(await w.ended, [null, null]);
  });
});

describe('cluster managers\' answers', () => {
  test('YARN: states and final statuses to phases; tracking URL and AM container logs reported', () => {
    const app = { state: 'RUNNING', finalStatus: 'UNDEFINED', trackingUrl: 'http://rm:8088/proxy/application_1_0002/', amContainerLogs: 'http://nm:8042/node/containerlogs/container_1_0002_01_000001/root', queue: 'batch' };
    assert.deepEqual(yarnReport('application_1_0002', app), {
      phase: 'running', state: 'RUNNING', appId: 'application_1_0002', sparkUiUrl: 'http://rm:8088/proxy/application_1_0002', driverLogUrl: app.amContainerLogs,
    });
    assert.equal(yarnReport('a', { state: 'ACCEPTED' }).phase, 'pending');
    assert.equal(yarnReport('a', { state: 'FINISHED', finalStatus: 'SUCCEEDED' }).phase, 'succeeded');
    assert.equal(yarnReport('a', { state: 'FINISHED', finalStatus: 'FAILED' }).phase, 'failed');
    assert.equal(yarnReport('a', { state: 'KILLED', finalStatus: 'KILLED' }).phase, 'killed');
    assert.equal(yarnReport('a', { state: 'FAILED', diagnostics: ' AM died \n' }).diagnostics, 'AM died');
  });

  test('YARN: the ResourceManager\'s web address from the setting, or from yarn-site.xml where spark-submit looks', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-yarn-conf-'));
    writeFileSync(path.join(dir, 'yarn-site.xml'), '<configuration><property><name>yarn.resourcemanager.webapp.address</name><value>0.0.0.0:18088</value></property></configuration>');
    assert.equal(hadoopProperty('<property><name>a</name><value> b </value></property>', 'a'), 'b');
    const cfg = { cluster: { yarn: { resourceManagerUrl: null } } } as never;
    assert.equal(resourceManagerUrl(cfg, { HADOOP_CONF_DIR: dir }), 'http://127.0.0.1:18088');
    assert.throws(() => resourceManagerUrl(cfg, {}), /cluster\.yarn\.resourceManagerUrl/);
    assert.equal(resourceManagerUrl({ cluster: { yarn: { resourceManagerUrl: 'http://rm.example:8088/' } } } as never, {}), 'http://rm.example:8088');
  });

  test('standalone: driver states to phases; an unknown driver is gone', () => {
    assert.equal(standaloneReport('d', { driverState: 'SUBMITTED' }).phase, 'pending');
    assert.equal(standaloneReport('d', { driverState: 'RUNNING' }).phase, 'running');
    assert.equal(standaloneReport('d', { driverState: 'FINISHED' }).phase, 'succeeded');
    assert.equal(standaloneReport('d', { driverState: 'KILLED' }).phase, 'killed');
    assert.equal(standaloneReport('d', { driverState: 'ERROR', message: 'Exception from the cluster:\njava.nio.file.NoSuchFileException: /x.jar' }).diagnostics, 'Exception from the cluster: java.nio.file.NoSuchFileException: /x.jar');
    assert.equal(standaloneReport('d', { success: false }).phase, 'gone');
    assert.throws(() => standaloneReport('d', { success: false, message: 'Can only request driver status in ALIVE state. Current state: RECOVERING.' }), /can't tell just now/,
      'a master that is not ALIVE is asked again, its drivers not taken for gone');
  });

  test('submission ids only from spark-submit\'s own log lines: output of a request\'s making can\'t name another application', () => {
    const yarn = yarnManager({ cluster: { yarn: { resourceManagerUrl: 'http://rm' } } } as never);
    assert.equal(yarn.submissionIn('26/11/30 17:03:12 INFO YarnClientImpl: Submitted application application_1796058116352_0006'), 'application_1796058116352_0006');
    assert.equal(yarn.submissionIn('26/11/30 17:03:12 INFO Client: Submitting application application_1796058116352_0006 to ResourceManager'), 'application_1796058116352_0006');
    assert.equal(yarn.submissionIn('Warning: Ignoring non-Spark config property: x INFO YarnClientImpl: Submitted application application_1_0042'), undefined);
    assert.equal(yarn.submissionIn('26/11/30 17:03:12 INFO Client: Uploading resource file:/f/INFO YarnClientImpl: Submitted application application_1_0042'), undefined);
    const sa = standaloneManager('spark://m:7077', { cluster: { standalone: { restUrl: null } } } as never);
    assert.equal(sa.submissionIn('26/11/30 16:35:22 INFO RestSubmissionClient: Submission successfully created as driver-20261130163522-0000. Polling submission state...'), 'driver-20261130163522-0000');
    assert.equal(sa.submissionIn('Warning: Ignoring non-Spark config property: "submissionId":"driver-20250101000000-0000"'), undefined);
  });

  test('standalone masters in HA: a standby or a master that is down passes to the next; the active one is asked first after', async () => {
    // What a master's REST server answers (StandaloneRestServer): the standby refuses in `message`.
    const asked: string[] = [];
    const master = (name: string, alive: boolean) => http.createServer((req, res) => {
      asked.push(`${name} ${req.method} ${req.url}`);
      const kill = req.url!.includes('/kill/');
      res.setHeader('content-type', 'application/json');
      const ended = req.url!.endsWith('/driver-9');
      res.end(JSON.stringify(alive
        ? (kill
          ? (ended ? { action: 'KillSubmissionResponse', success: false, message: 'Driver driver-9 has already finished or does not exist' } : { action: 'KillSubmissionResponse', success: true, submissionId: 'driver-1' })
          : { action: 'SubmissionStatusResponse', success: true, driverState: 'RUNNING', submissionId: 'driver-1' })
        : { success: false, message: 'Exception from the cluster:\njava.lang.Exception: Current state is not alive: STANDBY. Can only request driver status in ALIVE state.' }));
    });
    const standby = master('standby', false);
    const active = master('active', true);
    const listen = (srv: http.Server) => new Promise<string>((r) => srv.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`)));
    const gone = http.createServer();
    const [down, s1, s2] = [await listen(gone), await listen(standby), await listen(active)];
    await new Promise((r) => gone.close(r)); // nothing listens there now: a master that is down
    try {
      const cfg = { cluster: { standalone: { restUrl: `${down},${s1},${s2}` } } } as never;
      const sa = standaloneManager('spark://m1:7077,m2:7077,m3:7077', cfg);
      assert.equal((await sa.report('driver-1')).phase, 'running');
      assert.deepEqual(asked, ['standby GET /v1/submissions/status/driver-1', 'active GET /v1/submissions/status/driver-1']);
      asked.length = 0;
      await sa.kill('driver-1');
      assert.deepEqual(asked, ['active POST /v1/submissions/kill/driver-1'], 'the active master first, once it has answered');
      // Another application on the same masters starts with the active one too; calls at once each go their own way.
      asked.length = 0;
      const other = standaloneManager('spark://m1:7077,m2:7077,m3:7077', cfg);
      const [a, b] = await Promise.all([other.report('driver-1'), other.kill('driver-1')]);
      assert.equal(a.phase, 'running');
      assert.equal(b, undefined);
      assert.deepEqual(asked.sort(), ['active GET /v1/submissions/status/driver-1', 'active POST /v1/submissions/kill/driver-1']);
      // The active master's refusal is the answer: the standby is not asked.
      asked.length = 0;
      await assert.rejects(other.kill('driver-9'), /^Error: the master refused the kill \(200\): .*already finished or does not exist/);
      assert.deepEqual(asked, ['active POST /v1/submissions/kill/driver-9']);
      active.close();
      active.closeAllConnections();
      await assert.rejects(sa.report('driver-1'), (e: Error) => {
        // Each master's own failure, next to its own URL, the one asked first first.
        const parts = e.message.split('; ');
        assert.equal(parts.length, 3, e.message);
        assert.ok(parts[0]!.startsWith(`${s2}: `), e.message);
        assert.ok(parts[1]!.startsWith(`${down}: `), e.message);
        assert.match(parts[2]!, new RegExp(`^${s1.replace(/[.]/g, '\\.')}: the master can't tell just now: Exception from the cluster`));
        return true;
      });
    } finally {
      standby.close();
      active.close();
    }
  });

  test('YARN ResourceManagers in HA: a standby\'s redirect passes to the other; one address follows it', async () => {
    const asked: string[] = [];
    let activeUrl = '';
    const app = { id: 'application_1_0001', state: 'RUNNING', finalStatus: 'UNDEFINED' };
    const standby = http.createServer((req, res) => {
      asked.push(`standby ${req.method} ${req.url}`);
      res.writeHead(307, { location: `${activeUrl}${req.url}` }).end('This is standby RM. The redirect url is: ...');
    });
    const active = http.createServer((req, res) => {
      asked.push(`active ${req.method} ${req.url!.split('?')[0]}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.method === 'PUT' ? { state: 'KILLED' } : { app }));
    });
    const listen = (srv: http.Server) => new Promise<string>((r) => srv.listen(0, '127.0.0.1', () => r(`127.0.0.1:${(srv.address() as AddressInfo).port}`)));
    const [s, a] = [await listen(standby), await listen(active)];
    activeUrl = `http://${a}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-yarn-ha-'));
    writeFileSync(path.join(dir, 'yarn-site.xml'), `<configuration>${Object.entries({
      'yarn.resourcemanager.ha.enabled': 'true', 'yarn.resourcemanager.ha.rm-ids': 'rm1,rm2',
      'yarn.resourcemanager.webapp.address.rm1': s, 'yarn.resourcemanager.webapp.address.rm2': a,
    }).map(([n, v]) => `<property><name>${n}</name><value>${v}</value></property>`).join('')}</configuration>`);
    const saved = { HADOOP_CONF_DIR: process.env.HADOOP_CONF_DIR, YARN_CONF_DIR: process.env.YARN_CONF_DIR };
    process.env.HADOOP_CONF_DIR = dir;
    delete process.env.YARN_CONF_DIR;
    try {
      const pair = yarnManager({ cluster: { yarn: { resourceManagerUrl: null } } } as never);
      assert.equal((await pair.report(app.id)).phase, 'running');
      await pair.kill(app.id);
      assert.deepEqual(asked.map((x) => x.split('?')[0]), [
        `standby GET /ws/v1/cluster/apps/${app.id}`, `active GET /ws/v1/cluster/apps/${app.id}`, `active PUT /ws/v1/cluster/apps/${app.id}/state`,
      ], 'the standby once; the active one after');
      asked.length = 0;
      const one = yarnManager({ cluster: { yarn: { resourceManagerUrl: `http://${s}` } } } as never);
      assert.equal((await one.report(app.id)).phase, 'running', 'one address: the redirect is followed');
      assert.deepEqual(asked.map((x) => x.split('?')[0]), [`standby GET /ws/v1/cluster/apps/${app.id}`, `active GET /ws/v1/cluster/apps/${app.id}`]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      standby.close();
      active.close();
    }
  });

  test('log pages: the text of their <pre>, unescaped, the last lines', () => {
    const html = '<html><body><pre>line 1\n&lt;b&gt; &amp; more\n</pre></body></html>';
    assert.deepEqual(logPageLines(html), ['line 1', '<b> & more']);
  });
});

describe('the ResourceManager\'s address from yarn-site.xml', () => {
  const conf = (props: Record<string, string>) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-yarn-site-'));
    writeFileSync(path.join(dir, 'yarn-site.xml'), `<configuration>${Object.entries(props).map(([n, v]) => `<property><name>${n}</name><value>${v}</value></property>`).join('')}</configuration>`);
    return { HADOOP_CONF_DIR: dir };
  };
  const none = { cluster: { yarn: { resourceManagerUrl: null } } } as never;

  test('${…} references are filled in from the file', () => {
    assert.deepEqual(resourceManagerUrls(none, conf({ 'yarn.resourcemanager.hostname': 'rm1.example', 'yarn.resourcemanager.webapp.address': '${yarn.resourcemanager.hostname}:8088' })), ['http://rm1.example:8088']);
  });

  test('an HA pair: both, in order; https when the policy says so', () => {
    assert.deepEqual(resourceManagerUrls(none, conf({
      'yarn.resourcemanager.ha.enabled': 'true', 'yarn.resourcemanager.ha.rm-ids': 'rm1,rm2',
      'yarn.resourcemanager.hostname.rm1': 'a.example', 'yarn.resourcemanager.hostname.rm2': 'b.example', 'yarn.http.policy': 'HTTPS_ONLY',
    })), ['https://a.example:8090', 'https://b.example:8090']);
  });
});
