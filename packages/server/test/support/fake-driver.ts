/**
 * A launcher whose "drivers" are in-process fakes speaking the real protocol over real TCP to
 * the real listener. Each behaviour imitates a way real drivers succeed or fail.
 */
import net from 'node:net';
import type { DriverProcess, SessionLaunch, SessionLauncher } from '../../src/domain/ports/launcher.ts';
import { Sequencer } from './raw-driver.ts';

export type Behaviour = 'ok' | 'crash-start' | 'fatal' | 'hang' | 'garbage' | 'die-mid' | 'bad-token' | 'cannot-spawn';

export class FakeLauncher implements SessionLauncher {
  behaviour: Behaviour = 'ok';
  readyDelayMs = 5;
  /** Asked for a Spark Connect face (the welcome's `connect`), the driver could not start one. */
  connectFails = false;
  launched: SessionLaunch[] = [];
  procs: FakeProcess[] = [];
  launch(spec: SessionLaunch): DriverProcess {
    this.launched.push(spec);
    // As a spawn that fails at once (no such file, too many open files): the launch itself throws.
    if (this.behaviour === 'cannot-spawn') throw new Error('spawn EMFILE');
    const p = new FakeProcess(spec, this.behaviour, this.readyDelayMs, this.connectFails);
    this.procs.push(p);
    return p;
  }
}

let nextPid = 50_000;

class FakeProcess implements DriverProcess {
  readonly pid = nextPid++;
  exited = false;
  private outCbs: ((s: 'stdout' | 'stderr', l: string) => void)[] = [];
  private exitCbs: ((c: number | null, s: string | null) => void)[] = [];
  private sock?: net.Socket;
  private running = new Map<number, { timer?: NodeJS.Timeout; finish: (cancelled: boolean) => void }>();

  constructor(private spec: SessionLaunch, private behaviour: Behaviour, private readyDelayMs: number, private connectFails = false) {
    setImmediate(() => this.start());
  }

  onOutput(cb: (s: 'stdout' | 'stderr', l: string) => void): void { this.outCbs.push(cb); }
  onExit(cb: (c: number | null, s: string | null) => void): void {
    if (this.exited) cb(0, null);
    else this.exitCbs.push(cb);
  }
  kill(signal: NodeJS.Signals): void { this.exit(null, signal); }

  private log(line: string, stream: 'stdout' | 'stderr' = 'stderr') { this.outCbs.forEach((cb) => cb(stream, line)); }

  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.sock?.destroy();
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.exitCbs.forEach((cb) => cb(code, signal));
  }

  private readonly seqs = new Sequencer();
  private send(msg: object) { this.sock?.write(JSON.stringify(this.seqs.number(msg)) + '\n'); }

  private start(): void {
    if (this.behaviour === 'crash-start') {
      this.log('Error: Could not find or load main class');
      this.log('java.lang.OutOfMemoryError: too little memory');
      return void setTimeout(() => this.exit(1), 30);
    }
    if (this.behaviour === 'hang') return;
    const hello = () => {
      this.send({ type: 'hello', token: this.behaviour === 'bad-token' ? 'nope' : this.spec.token, pid: this.pid, protocol: 2 });
    };
    // Where a real driver would call back: the server's Unix socket, or host:port.
    const to = this.spec.connect;
    const [host, port] = to.split(':');
    this.sock = to.startsWith('unix:') ? net.connect(to.slice('unix:'.length), hello) : net.connect(Number(port), host!, hello);
    let buf = '';
    this.sock.setEncoding('utf8');
    this.sock.on('data', (c: string) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.onMessage(JSON.parse(line));
      }
    });
    this.sock.on('close', () => { if (this.behaviour === 'bad-token') this.exit(3); });
    this.sock.on('error', () => undefined);
  }

  received: Record<string, unknown>[] = [];
  /** What its ping replies say of its Spark Connect face's last use (undefined: nothing, as before any call). */
  connectIdleMs?: number;

  /** A Spark Connect face on the first port asked for, as a real driver reports one in `ready`. */
  private connectFace(asked: unknown): { connect?: object } {
    if (!asked) return {};
    if (this.connectFails) {
      this.log('Spark Connect is off for this session: it could not start on 127.0.0.1, ports 15002-15101: java.io.IOException: Failed to bind');
      return {};
    }
    const { port_low } = asked as { port_low: number };
    return { connect: { port: port_low, session_id: `5e3b2f6a-0000-4000-8000-${String(this.pid).padStart(12, '0')}`, user_id: 'sparkport', token: `fake-connect-token-${this.pid}` } };
  }
  maps: Record<string, Record<string, unknown>> = {};

  private onMessage(m: Record<string, unknown> & { type: string; id?: number }): void {
    // Acknowledgements of its numbered messages are the protocol's bookkeeping, not requests.
    if (m.type === 'ack') return;
    this.received.push(m);
    if (m.type === 'welcome') {
      if (this.behaviour === 'fatal') {
        return void setTimeout(() => {
          this.send({ type: 'fatal', message: 'SparkContext failed: System memory must be at least 471859200', traceback: [] });
          setTimeout(() => this.exit(1), 5);
        }, 30);
      }
      if (this.behaviour === 'garbage') {
        this.sock!.write('this is not json\n');
        this.sock!.write('{"no":"type"}\n');
      }
      setTimeout(() => this.send({
        type: 'ready', app_id: 'local-fake', spark_ui_url: 'http://127.0.0.1:4040', spark_version: '4.1.2', ...this.connectFace(m.connect),
      }), this.readyDelayMs);
      return;
    }
    const id = m.id!;
    const reply = (result: object) => this.send({ type: 'reply', re: id, ok: true, result });
    switch (m.type) {
      case 'execute': return this.execute(id, m.statement_id as number, String(m.code));
      case 'cancel': {
        reply({ running: this.running.has(m.target as number) });
        this.running.get(m.target as number)?.finish(true);
        return;
      }
      case 'complete': return reply({ candidates: [`${String(m.code)}_x`] });
      case 'ping': return reply(this.connectIdleMs === undefined ? {} : { connect_idle_ms: this.connectIdleMs });
      case 'configure': {
        // As Spark would: runtime SQL settings are taken; this one stands for a key Spark refuses at runtime.
        const conf = m.conf as Record<string, string>;
        const refused = Object.keys(conf).filter((k) => k === 'spark.sql.fake.staticOnly');
        if (refused.length) return this.send({ type: 'reply', re: id, ok: false, error: { code: 'BAD_REQUEST', message: `not settable in a running session: ${refused.join(', ')} (they need a new driver)` } });
        Object.assign(this.conf, conf);
        return reply({ applied: Object.keys(conf) });
      }
      case 'shared_put': {
        const map = (this.maps[m.name as string] ??= {});
        Object.assign(map, m.entries);
        return reply({ updated: Object.keys(m.entries as object).length, size: Object.keys(map).length });
      }
      case 'shared_get': {
        const map = this.maps[m.name as string];
        if (!map) return this.send({ type: 'reply', re: id, ok: false, error: { code: 'NOT_FOUND', message: `no shared map named '${String(m.name)}'` } });
        const keys = m.keys as string[];
        return reply({ values: Object.fromEntries(keys.filter((k) => k in map).map((k) => [k, map[k]])), missing: keys.filter((k) => !(k in map)) });
      }
      case 'shared_list':
        return reply({ items: Object.entries(this.maps).map(([name, v]) => ({ kind: 'map', name, size: Object.keys(v).length })) });
      case 'shared_save':
        return reply({ path: m.path, format: m.format, rows: Object.keys(this.maps[m.name as string] ?? {}).length });
      case 'shutdown':
        reply({});
        return void setTimeout(() => this.exit(0), 2);
      default: this.send({ type: 'error', re: id, code: 'UNKNOWN_TYPE', message: 'unknown' });
    }
  }

  /** Settings `configure` applied; `__conf__` as code prints them. */
  readonly conf: Record<string, string> = {};

  private execute(id: number, sid: number, code: string): void {
    const ok = (text: string) => ({ status: 'ok', execution_count: sid, data: { 'text/plain': text } });
    if (code === '__conf__') return this.send({ type: 'reply', re: id, ok: true, result: { output: ok(JSON.stringify(this.conf)), cancelled: false } });
    if (this.behaviour === 'die-mid') {
      this.log('Fatal Python error: Segmentation fault');
      return this.exit(139);
    }
    if (code.startsWith('sleep:')) {
      const ms = Number(code.slice(6));
      const finish = (cancelled: boolean) => {
        const r = this.running.get(id);
        if (!r) return;
        clearTimeout(r.timer);
        this.running.delete(id);
        this.send({ type: 'progress', re: id, progress: 1 });
        this.send({
          type: 'reply', re: id, ok: true,
          result: cancelled
            ? { output: { status: 'error', execution_count: sid, ename: 'KeyboardInterrupt', evalue: '', traceback: [] }, cancelled: true }
            : { output: ok('slept'), cancelled: false },
        });
      };
      this.running.set(id, { timer: setTimeout(() => finish(false), ms), finish });
      this.send({ type: 'progress', re: id, progress: 0.5 });
      return;
    }
    if (code.startsWith('print:')) {
      const lines = code.slice(6).split(',');
      for (const l of lines) this.send({ type: 'stream', re: id, name: 'stdout', text: `${l}\n` });
      return this.send({ type: 'reply', re: id, ok: true, result: { output: ok(lines.join('\n')), cancelled: false } });
    }
    if (code === 'raise') {
      return this.send({
        type: 'reply', re: id, ok: true,
        result: { output: { status: 'error', execution_count: sid, ename: 'ValueError', evalue: 'boom', traceback: ['Traceback\n'] }, cancelled: false },
      });
    }
    this.send({ type: 'reply', re: id, ok: true, result: { output: ok(`fake:${code}`), cancelled: false } });
  }
}
