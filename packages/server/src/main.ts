/**
 * `sparkport serve [--port N] [--host H] [--data-dir DIR] [--config FILE]`
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

const USAGE = `usage: sparkport serve [--port N] [--host H] [--data-dir DIR] [--config FILE]

Settings also come from a JSON config file (--config or SPARKPORT_CONFIG) and from
SPARKPORT_* environment variables (SPARKPORT_PORT, SPARKPORT_SPARK_MASTER, SPARKPORT_SESSIONS__MAX …).`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'serve') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new Error(`--port must be a number, got '${values.port}'`);
  const config = loadConfig({
    file: values.config,
    overrides: {
      port: values.port === undefined ? undefined : Number(values.port),
      host: values.host,
      dataDir: values['data-dir'],
    },
  });
  const server = await startServer(config);
  const log = server.logger;
  log.info({ url: server.url, master: config.spark.master, dataDir: config.dataDir }, `listening on ${server.url} (Spark master ${config.spark.master}, data in ${config.dataDir})`);
  let stopping = false;
  const stop = (sig: string) => {
    // A second signal means: now, whatever is still in flight.
    if (stopping) process.exit(1);
    stopping = true;
    const { stopDrivers, drainMs } = config.shutdown;
    log.info({ signal: sig, stopDrivers, drainMs }, `${sig}: shutting down: requests in flight get up to ${drainMs} ms; sessions and batches ${stopDrivers ? 'are stopped' : 'keep running (shutdown.stopDrivers is off)'}`);
    server.shutdown().then(
      () => {
        log.info('shut down');
        process.exit(0);
      },
      (e: Error) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`sparkport: ${e.message}\n`);
  process.exit(1);
});
