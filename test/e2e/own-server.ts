/**
 * A server of a test's own, for what the suite's shared server can't show: a restart, a
 * configuration (authentication on), an environment (a secret the drivers must not see). Small
 * drivers on local[1], the response check on, like the suite's server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});

export interface OwnServer {
  child: ChildProcess;
  base: string;
  /** Everything the server wrote to stderr so far (its log). */
  stderr(): string;
  /** SIGTERM, and wait (bounded) for it to exit. */
  stop(): Promise<void>;
}

export interface OwnServerOptions {
  dataDir: string;
  port?: number;
  /** More `serve` arguments, e.g. ['--config', file]. */
  args?: string[];
  env?: Record<string, string>;
}

export async function startOwnServer(o: OwnServerOptions): Promise<OwnServer> {
  const port = o.port ?? await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(path.join(ROOT, 'bin/sparkport'), ['serve', '--port', String(port), '--data-dir', o.dataDir, ...(o.args ?? [])], {
    env: {
      ...process.env, SPARK_LOCAL_IP: '127.0.0.1', SPARKPORT_SPARK__DEFAULT_DRIVER_MEMORY: '640m', SPARKPORT_SPARK__MASTER: 'local[1]',
      SPARKPORT_HTTP__CHECK_RESPONSES: 'true',
      // A test's server that ends takes its drivers with it, and a driver left behind by a
      // killed one gives up within a minute: nothing outlives the test run.
      SPARKPORT_SHUTDOWN__STOP_DRIVERS: 'true', SPARKPORT_SESSIONS__RECONNECT_GRACE_MS: '60000',
      // No warm driver unless a test asks: each is a JVM, and these servers come and go.
      SPARKPORT_SESSIONS__WARM_DRIVERS: '0',
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => { stderr += c; });
  const server: OwnServer = {
    child,
    base,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 20_000).unref(); });
    },
  };
  // Up to two minutes: `sparkport serve` first installs whatever is missing. /version is public.
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${base}/version`)).ok) return server;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new Error(`server did not start: ${stderr}`);
}
