/**
 * The real server as `sparkport serve` starts it (startServer: its JSON log, the data-directory
 * lock, the shutdown path), on a free port, with fake drivers and batches and a memory store,
 * and its log lines kept for the test to read.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, type Config } from '../../src/config.ts';
import { startServer, type ServerParts } from '../../src/server.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { FakeBatchLauncher } from './fake-batch-launcher.ts';
import { FakeLauncher } from './fake-driver.ts';

export function testConfig(tweak: (c: Config) => void = () => undefined, dataDir = mkdtempSync(path.join(os.tmpdir(), 'sparkport-real-'))): Config {
  const config = defaultConfig();
  config.port = 0;
  config.dataDir = dataDir;
  config.shared.allowedDirs = [path.join(dataDir, 'shared')];
  config.batches.allowedDirs = [path.join(dataDir, 'batch-files')];
  config.audit.file = path.join(dataDir, 'audit.log');
  config.http.checkResponses = true;
  // Warm drivers only where a test asks for them (test/http/warm-pool.test.ts).
  config.sessions.warmDrivers = 0;
  tweak(config);
  return config;
}

export async function startTestServer(config: Config, parts: ServerParts = {}) {
  const lines: string[] = [];
  const launcher = new FakeLauncher();
  const server = await startServer(config, {
    store: new MemoryStore(),
    launcher,
    batchLauncher: new FakeBatchLauncher(config),
    logStream: { write: (s: string) => { lines.push(s); } },
    ...parts,
  });
  /** The log so far, one parsed JSON object a line. */
  const log = () => lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { server, config, launcher, lines, log };
}
