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
  process.stderr.write(`[sparkport] listening on ${server.url} (Spark master ${config.spark.master}, data in ${config.dataDir})\n`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`[sparkport] ${sig}: stopping sessions…\n`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`sparkport: ${e.message}\n`);
  process.exit(1);
});
