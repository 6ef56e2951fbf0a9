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
    const heard: { launched: (number | null)[]; ready: DriverApp[]; gone: DriverLoss[]; links: DriverLink[] } = {
      launched: [], ready: [], gone: [], links: [],
    };
    const log = new LogBuffer(100);
    const sup = new DriverSupervisor(
      { clock, config, launcher, channel, slots, connect: '127.0.0.1:7000' },
      { id, name: null } as SessionRecord,
      `/data/sessions/${id}`,
      log,
      {
        launched: (pid) => heard.launched.push(pid),
        ready: (app, link) => { heard.ready.push(app); heard.links.push(link); },
        gone: (loss) => heard.gone.push(loss),
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
    assert.deepEqual(d.heard.ready, [{ appId: 'local-7', sparkUiUrl: null }]);
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
    const w = world();
    const d = w.driver();
    d.sup.start();
    const link = new ScriptedLink();
    w.channel.connect(link);
    const proc = w.launcher.procs[0]!;
    proc.print('some WARN line');
    link.emit('fatal', { type: 'fatal', message: 'SparkContext failed: no memory\n', traceback: ['Traceback (most recent call last):\n'] });
    proc.exit(1);
    assert.equal(d.heard.gone[0]!.reason, 'the driver process exited with code 1: SparkContext failed: no memory\n');
    assert.deepEqual(d.log.stderrTail(2), ['SparkContext failed: no memory', 'Traceback (most recent call last):']);
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
});
