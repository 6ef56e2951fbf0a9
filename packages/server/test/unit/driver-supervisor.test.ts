/**
 * The driver supervisor on scripted ports and a fake clock: its moves through the
 * driverProcess table, start slots, the start deadline, stopping politely then by signal, and
 * a driver's end (exit, dropped connection, failed launch) reported once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { driverProcessMachine, type DriverProcessState } from '@sparkport/protocol';
import { FakeClock } from '../../src/clock.ts';
import { defaultConfig } from '../../src/config.ts';
import { DriverSupervisor, type DriverApp, type DriverLoss } from '../../src/domain/driver-supervisor.ts';
import { LogBuffer } from '../../src/domain/log-buffer.ts';
import type { DriverLink } from '../../src/domain/ports/driver-link.ts';
import type { SessionRecord } from '../../src/domain/records.ts';
import { StartQueue } from '../../src/domain/start-queue.ts';
import { ScriptedChannel, ScriptedLauncher, ScriptedLink, settle } from '../support/fake-link.ts';

const START_MS = 1000;
const SHUTDOWN_MS = 2000;

function world(maxStarting = 2) {
  const clock = new FakeClock();
  const config = defaultConfig();
  config.sessions.startTimeoutMs = START_MS;
  config.sessions.shutdownTimeoutMs = SHUTDOWN_MS;
  const launcher = new ScriptedLauncher();
  const channel = new ScriptedChannel();
  const slots = new StartQueue(maxStarting);
  const driver = (id = 1) => {
    const heard: {
      launched: (number | null)[]; ready: DriverApp[]; gone: DriverLoss[]; links: DriverLink[]; resumed: DriverApp[]; disconnected: number;
      connectUsed: number[];
    } = { launched: [], ready: [], gone: [], links: [], resumed: [], disconnected: 0, connectUsed: [] };
    const log = new LogBuffer(100);
    const sup = new DriverSupervisor(
      { clock, config, launcher, channel, slots, connect: '127.0.0.1:7000' },
      { id, name: null } as SessionRecord,
      `/data/sessions/${id}`,
      log,
      {
        launched: (pid) => heard.launched.push(pid),
        appInfo: () => undefined,
        connectUsed: (at) => heard.connectUsed.push(at),
        ready: (app, link) => { heard.ready.push(app); heard.links.push(link); },
        gone: (loss) => heard.gone.push(loss),
        resumed: (app, link) => { heard.resumed.push(app); heard.links.push(link); },
        disconnected: () => { heard.disconnected++; },
        returned: () => undefined,
      },
    );
    // Every state it shows must be reachable from the one before through the table.
    const seen: DriverProcessState[] = [sup.state];
    const look = () => {
      const now = sup.state;
      const last = seen.at(-1)!;
      if (now !== last) {
        assert.ok(driverProcessMachine.can(last, now), `${last} → ${now} is not in the table`);
        seen.push(now);
      }
      return now;
    };
    return { sup, heard, log, seen, look };
  };
  return { clock, config, launcher, channel, slots, driver };
}

/** A driver through launch, hello and ready. */
function readyDriver(w: ReturnType<typeof world>) {
  const d = w.driver();
  d.sup.start();
  d.look();
  const link = new ScriptedLink();
  w.channel.connect(link);
  link.ready();
  d.look();
  return { ...d, link, proc: w.launcher.procs.at(-1)! };
}

/** A driver launched and connected on a scripted link, as a fatal message finds it. */
function connectedDriver() {
  const w = world();
  const d = w.driver();
  d.sup.start();
  const link = new ScriptedLink();
  w.channel.connect(link);
  return { d, link, proc: w.launcher.procs[0]! };
}

describe('DriverSupervisor', () => {
  test('launching → connecting → ready: the launch gets the session, its directory, the address and a token', () => {
    const w = world();
    const d = w.driver(7);
    assert.equal(d.look(), 'launching');
    d.sup.start();
    assert.equal(d.look(), 'connecting');
    const spec = w.launcher.launched[0]!;
    assert.equal(spec.session.id, 7);
    assert.equal(spec.workDir, '/data/sessions/7');
    assert.equal(spec.connect, '127.0.0.1:7000');
    assert.equal(spec.token, w.channel.expected[0]!.token);
    assert.deepEqual(d.heard.launched, [4242]);
    const link = new ScriptedLink();
    w.channel.connect(link);
    assert.equal(d.look(), 'connecting', 'hello alone is not ready');
    assert.equal(d.sup.link, link);
    link.ready({ app_id: 'local-7', spark_ui_url: null });
    assert.equal(d.look(), 'ready');
    assert.deepEqual(d.heard.ready, [{ appId: 'local-7', sparkUiUrl: null, connect: null }]);
    assert.equal(d.heard.links[0], link);
    link.ready();
    assert.equal(d.heard.ready.length, 1, 'a second ready is not news');
    assert.deepEqual(d.seen, ['launching', 'connecting', 'ready']);
  });

  test('start slots: a driver waits in launching until an earlier start is over', () => {
    const w = world(1);
    const a = w.driver(1);
    const b = w.driver(2);
    a.sup.start();
    b.sup.start();
    assert.equal(w.launcher.launched.length, 1);
    assert.equal(b.look(), 'launching');
    const link = new ScriptedLink();
    w.channel.connect(link, 0);
    link.ready();
    assert.equal(w.launcher.launched.length, 2, 'ready frees the slot');
    assert.equal(b.look(), 'connecting');
    w.launcher.procs[1]!.exit(1);
    assert.equal(b.look(), 'gone');
    assert.equal(w.slots.starting, 0, 'a start that failed gives its slot back too');
  });

  test('stopping a driver that waits for a slot: it leaves the queue and never launches', async () => {
    const w = world(1);
    w.driver(1).sup.start();
    const b = w.driver(2);
    b.sup.start();
    await b.sup.stop();
    assert.equal(b.look(), 'gone');
    assert.equal(w.slots.queued, 0);
    assert.equal(w.launcher.launched.length, 1);
    assert.deepEqual(b.heard.gone, [], 'a stop is not a loss');
  });

  test('the start deadline runs on the clock: gone at startTimeoutMs, token void, SIGTERM, then SIGKILL 5 s later', () => {
    const w = world(1);
    const d = w.driver();
    d.sup.start();
    const proc = w.launcher.procs[0]!;
    proc.heeds.clear();
    proc.print('Picked up JAVA_TOOL_OPTIONS');
    w.clock.advance(START_MS - 1);
    assert.equal(d.look(), 'connecting');
    w.clock.advance(1);
    assert.equal(d.look(), 'gone');
    assert.equal(d.heard.gone.length, 1);
    assert.equal(d.heard.gone[0]!.why, `the driver did not become ready within ${START_MS} ms`);
    assert.match(d.heard.gone[0]!.reason, /within 1000 ms: Picked up JAVA_TOOL_OPTIONS$/, 'the reason carries the end of stderr');
    assert.equal(d.heard.gone[0]!.killed, false);
    assert.equal(w.channel.expected[0]!.revoked, true);
    assert.equal(w.channel.connect(new ScriptedLink(), 0), false, 'a late hello is refused');
    assert.equal(w.slots.starting, 0);
    assert.deepEqual(proc.signals, ['SIGTERM']);
    w.clock.advance(4999);
    assert.deepEqual(proc.signals, ['SIGTERM']);
    w.clock.advance(1);
    assert.deepEqual(proc.signals, ['SIGTERM', 'SIGKILL']);
  });

  test('stop: the driver is asked to shut down, gets half the budget to exit, then SIGTERM, then SIGKILL', async () => {
    const w = world();
    const d = readyDriver(w);
    d.proc.heeds = new Set(['SIGKILL']);
    let stopped = false;
    const stopping = d.sup.stop().then(() => { stopped = true; });
    assert.equal(d.look(), 'stopping');
    const [shutdown] = d.link.open('shutdown');
    assert.ok(shutdown, 'asked politely first');
    shutdown.reply();
    await settle();
    w.clock.advance(SHUTDOWN_MS / 2 - 1);
    await settle();
    assert.deepEqual(d.proc.signals, []);
    w.clock.advance(1);
    await settle();
    assert.deepEqual(d.proc.signals, ['SIGTERM']);
    w.clock.advance(SHUTDOWN_MS / 2);
    await settle();
    assert.deepEqual(d.proc.signals, ['SIGTERM', 'SIGKILL']);
    await stopping;
    assert.ok(stopped);
    assert.equal(d.look(), 'gone');
    assert.equal(d.link.isOpen, false);
    assert.deepEqual(d.heard.gone, [], 'the exit while stopping is not reported as a loss');
    assert.deepEqual(d.seen, ['launching', 'connecting', 'ready', 'stopping', 'gone']);
  });

  test('stop: a driver that does not answer the shutdown is signalled once the wait runs out', async () => {
    const w = world();
    const d = readyDriver(w);
    const stopping = d.sup.stop();
    w.clock.advance(Math.min(5000, SHUTDOWN_MS) - 1);
    await settle();
    assert.deepEqual(d.proc.signals, []);
    w.clock.advance(1);
    await settle();
    assert.deepEqual(d.proc.signals, ['SIGTERM'], 'not asked: SIGTERM straight away');
    await stopping;
    assert.equal(d.look(), 'gone');
  });

  test('stop: a driver that agrees and exits needs no signal; stop is the same promise each time', async () => {
    const w = world();
    const d = readyDriver(w);
    const first = d.sup.stop();
    assert.equal(d.sup.stop(), first);
    d.link.open('shutdown')[0]!.reply();
    d.proc.exit(0);
    d.link.close();
    await first;
    assert.deepEqual(d.proc.signals, []);
    assert.equal(d.look(), 'gone');
    assert.deepEqual(d.heard.gone, []);
  });

  test('exit and dropped connection: whichever comes first is reported, once', () => {
    for (const first of ['exit', 'drop'] as const) {
      const w = world();
      const d = readyDriver(w);
      if (first === 'exit') {
        d.proc.print('Fatal Python error: Segmentation fault');
        d.proc.exit(139);
        d.link.close();
      } else {
        d.link.close();
        d.proc.exit(139);
      }
      assert.equal(d.look(), 'gone', first);
      assert.equal(d.heard.gone.length, 1, first);
      const loss = d.heard.gone[0]!;
      assert.equal(loss.why, first === 'exit' ? 'the driver process exited with code 139' : 'the driver connection dropped');
      assert.equal(loss.killed, false);
      if (first === 'exit') assert.match(loss.reason, /Segmentation fault/);
    }
  });

  test('a kill signal from outside is reported as killed; the process dying alone is not', () => {
    const w = world();
    const d = readyDriver(w);
    d.proc.kill('SIGKILL');
    assert.deepEqual(d.heard.gone.map((g) => [g.why, g.killed]), [['the driver process was killed by SIGKILL', true]]);
    assert.equal(d.link.isOpen, false, 'the connection is closed with it');
  });

  test('a fatal message is the reason, ahead of stderr, and its lines go to the log', () => {
    const { d, link, proc } = connectedDriver();
    proc.print('some WARN line');
    link.emit('fatal', { type: 'fatal', message: 'SparkContext failed: no memory\n', traceback: ['Traceback (most recent call last):\n'] });
    proc.exit(1);
    assert.equal(d.heard.gone[0]!.reason, 'the driver process exited with code 1: SparkContext failed: no memory\n');
    assert.deepEqual(d.log.stderrTail(2), ['SparkContext failed: no memory', 'Traceback (most recent call last):']);
  });

  test("a driver's runaway last words are cut: the reason to 16 KiB, the log to its last lines, each cut too", () => {
    const { d, link, proc } = connectedDriver();
    const huge = 'x'.repeat(4 * 1024 * 1024);
    // 4 MiB in one line, then a million line breaks: each line once stayed whole in the ring, and
    // every line break was split out and pushed.
    link.emit('fatal', { type: 'fatal', message: huge, traceback: ['\n'.repeat(1_000_000), 'y'.repeat(40_000), '\nlast line\n'] });
    proc.exit(1);
    const reason = d.heard.gone[0]!.reason;
    assert.ok(reason.length < 17 * 1024, `reason of ${reason.length} characters`);
    assert.match(reason, /x… \[4177920 more characters\]$/);
    const tail = d.log.stderrTail(3);
    assert.equal(tail.at(-1), 'last line');
    assert.match(tail.at(-2)!, /^y{16384}… \[23616 more characters\]$/);
  });

  test('a launch that throws is a loss at once, and frees the slot', () => {
    const w = world(1);
    w.launcher.failWith = 'spawn python3 ENOENT';
    const d = w.driver();
    d.sup.start();
    assert.equal(d.look(), 'gone');
    assert.equal(d.heard.gone[0]!.why, 'the driver could not be launched: spawn python3 ENOENT');
    assert.equal(w.slots.starting, 0);
    assert.deepEqual(d.seen, ['launching', 'gone']);
    w.clock.advance(START_MS * 2);
    assert.equal(d.heard.gone.length, 1, 'the deadline is cancelled');
  });

  test('a hello after the driver is gone is closed, not adopted', () => {
    const w = world();
    const d = w.driver();
    d.sup.start();
    const hello = w.channel.expected[0]!.onConnect;
    w.launcher.procs[0]!.exit(1);
    const late = new ScriptedLink();
    hello(late);
    assert.equal(late.isOpen, false);
    assert.equal(d.sup.link, undefined);
  });

  test('a dropped connection: reconnecting for the grace period, then ready again on the same link, pings paused meanwhile', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 10_000;
    const d = readyDriver(w);
    d.link.drop();
    assert.equal(d.look(), 'reconnecting');
    assert.equal(d.heard.disconnected, 1);
    assert.equal(d.sup.link, undefined, 'nothing is sent to a driver that is away');
    assert.match(d.log.lines().join('\n'), /waiting up to 10 s for the driver to reconnect/);
    w.clock.advance(9_999);
    assert.equal(d.look(), 'reconnecting');
    assert.equal(d.link.open('ping').length, 0, 'no pings to a driver that is away');
    assert.ok(w.channel.comeBack(1));
    d.link.resume({ statement_id: 3, request_id: 9 });
    assert.equal(d.look(), 'ready');
    assert.deepEqual(d.heard.resumed, [{ appId: 'local-1', sparkUiUrl: 'http://127.0.0.1:4040', connect: null }]);
    assert.equal(d.sup.link, d.link);
    w.clock.advance(10_000);
    assert.deepEqual(d.heard.gone, [], 'the grace timer is over once it is back');
    assert.deepEqual(d.proc.signals, []);
    assert.deepEqual(d.seen, ['launching', 'connecting', 'ready', 'reconnecting', 'ready']);
  });

  test('a driver that does not come back within the grace period is gone, and its process is stopped', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 10_000;
    const d = readyDriver(w);
    d.link.drop();
    w.clock.advance(10_000);
    assert.equal(d.look(), 'gone');
    assert.equal(d.heard.gone[0]!.why, 'the driver connection dropped and the driver did not reconnect within 10 s');
    assert.deepEqual(d.proc.signals, ['SIGTERM']);
    assert.equal(w.channel.comeBack(1), false, 'a driver that comes back late is refused');
  });

  test('with no grace period a dropped connection is the end at once', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 0;
    const d = readyDriver(w);
    d.link.drop();
    assert.equal(d.look(), 'gone');
    assert.equal(d.heard.gone[0]!.why, 'the driver connection dropped');
  });

  test('a driver whose control thread stops answering pings is gone, while its process and socket live', async () => {
    const w = world();
    w.config.sessions.pingIntervalMs = 1000;
    w.config.sessions.pingTimeoutMs = 3000;
    const d = readyDriver(w);
    w.clock.advance(1000);
    const [ping] = d.link.open('ping');
    assert.ok(ping, 'pinged on the interval');
    assert.equal(ping.opts.timeoutMs, 3000);
    ping.reply();
    await settle();
    w.clock.advance(1000);
    const [second] = d.link.open('ping');
    assert.ok(second, 'and again after an answer');
    second.fail('TIMEOUT', 'no answer');
    await settle();
    assert.equal(d.look(), 'gone');
    assert.equal(d.heard.gone[0]!.why, "the driver's control thread did not answer a ping within 3000 ms");
    assert.deepEqual(d.proc.signals, ['SIGTERM']);
  });

  test("a ping's reply with connect_idle_ms tells when the Spark Connect face was last used; one without, or a bad one, tells nothing", async () => {
    const w = world();
    w.config.sessions.pingIntervalMs = 1000;
    const d = readyDriver(w);
    const answer = async (result: Record<string, unknown>) => {
      w.clock.advance(1000);
      const [ping] = d.link.open('ping');
      assert.ok(ping, 'pinged on the interval');
      ping.reply(result);
      await settle();
    };
    await answer({});
    await answer({ connect_idle_ms: 250 });
    assert.deepEqual(d.heard.connectUsed, [w.clock.now() - 250], 'in the server clock: now less the idle time');
    for (const bad of [-1, 1.5, '250', null]) await answer({ connect_idle_ms: bad });
    await answer({ connect_idle_ms: 0 });
    assert.deepEqual(d.heard.connectUsed, [w.clock.now() - 1000 * 5 - 250, w.clock.now()]);
  });

  test('after a server restart: a driver process that still runs is waited for and resumes; one that is gone is lost at once', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 5000;
    const a = w.driver(1);
    const adopted = new ScriptedLink();
    const running = w.launcher.launch({ session: { id: 1 } as SessionRecord, workDir: '/w', connect: 'x', token: 't' });
    a.sup.reattach(running);
    assert.equal(a.look(), 'reconnecting');
    assert.ok(w.channel.comeBack(1, adopted));
    adopted.resume(null, { app_id: 'local-9' });
    assert.equal(a.look(), 'ready');
    assert.equal(a.heard.resumed[0]!.appId, 'local-9');
    assert.equal(a.heard.links[0], adopted);

    const b = w.driver(2);
    b.sup.reattach(null);
    assert.equal(b.look(), 'gone');
    assert.equal(b.heard.gone[0]!.why, 'the driver process ended while no server was running');

    const c = w.driver(3);
    c.sup.reattach(w.launcher.launch({ session: { id: 3 } as SessionRecord, workDir: '/w', connect: 'x', token: 't' }));
    w.launcher.procs.at(-1)!.exit(1);
    assert.equal(c.look(), 'gone', 'an adopted process that exits while awaited is lost');
    assert.match(c.heard.gone[0]!.why, /exited with code 1/);
  });

  test('a driver that comes back before Spark was ready goes on starting, under the start deadline', () => {
    const w = world();
    const d = w.driver(4);
    const proc = w.launcher.launch({ session: { id: 4 } as SessionRecord, workDir: '/w', connect: 'x', token: 't' });
    d.sup.reattach(proc);
    const link = new ScriptedLink();
    w.channel.comeBack(4, link);
    link.resume(null, null);
    assert.equal(d.look(), 'connecting');
    link.ready({ app_id: 'local-4' });
    assert.equal(d.look(), 'ready');
    assert.equal(d.heard.ready[0]!.appId, 'local-4');
  });

  test('a driver that said it is dying (fatal) and drops its connection is gone at once, not waited for', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 10_000;
    const d = readyDriver(w);
    d.link.emit('fatal', { type: 'fatal', message: 'the Spark driver JVM exited unexpectedly (exit code 3)' });
    d.link.drop();
    assert.equal(d.look(), 'gone');
    assert.match(d.heard.gone[0]!.reason, /JVM exited unexpectedly/);
  });

  test('Spark Connect: the launch\'s welcome asks for a face only when connect.enabled is on and the driver is on this machine; ready and resumed say where it is', () => {
    const w = world();
    w.config.sessions.reconnectGraceMs = 10_000;
    const off = w.driver(1);
    off.sup.start();
    assert.deepEqual(w.channel.expected[0]!.welcome, { connect: undefined });
    w.config.connect = { enabled: true, portRange: '16000-16009', host: '127.0.0.1' };
    const d = w.driver(2);
    d.sup.start();
    assert.deepEqual(w.channel.expected[1]!.welcome, { connect: { host: '127.0.0.1', port_low: 16000, port_high: 16009 } });
    const link = new ScriptedLink();
    w.channel.connect(link);
    const face = { port: 16001, session_id: '0f8fad5b-d9cb-469f-a165-70867728950e', user_id: 'sparkport', token: 'secret' };
    link.ready({ connect: face });
    assert.deepEqual(d.heard.ready[0]!.connect, face);
    link.drop();
    assert.ok(w.channel.comeBack(2));
    link.resume(null, { connect: face });
    assert.deepEqual(d.heard.resumed[0]!.connect, face, 'a restarted server learns it again from resumed');
    const cluster = new DriverSupervisor(
      { clock: w.clock, config: w.config, launcher: w.launcher, channel: w.channel, slots: w.slots, connect: '127.0.0.1:7000' },
      { id: 3, name: null, placement: { master: 'yarn', deployMode: 'cluster' } } as SessionRecord, '/data/sessions/3', new LogBuffer(10),
      { launched: () => undefined, appInfo: () => undefined, connectUsed: () => undefined, ready: () => undefined, gone: () => undefined, resumed: () => undefined, disconnected: () => undefined, returned: () => undefined },
    );
    cluster.start();
    assert.deepEqual(w.channel.expected.at(-1)!.welcome, { connect: undefined }, 'a driver in the cluster gets none: its loopback is no use to clients');
  });
});
