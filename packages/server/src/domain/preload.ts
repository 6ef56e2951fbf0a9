/**
 * A session's `preload`: the shared data it asked for, loaded into its driver before any
 * statement runs. A load that fails is a line in the session's log, not a failed session.
 */
import type { Config } from '../config.ts';
import { checkDataPath } from './paths.ts';
import type { DriverLink } from './ports/driver-link.ts';
import type { SessionRuntime } from './session-runtime.ts';

const PRELOAD_TIMEOUT_MS = 300_000;

export async function preloadShared(rt: SessionRuntime, link: DriverLink, config: Config): Promise<void> {
  for (const [name, p] of Object.entries(rt.record.preload ?? {})) {
    try {
      const path = checkDataPath(p.path, config.shared.allowedDirs, config.spark.allowedSchemes);
      await link.request(
        { type: 'shared_load', name, path, format: p.format ?? 'parquet', as: p.as ?? 'dataset' },
        { timeoutMs: PRELOAD_TIMEOUT_MS },
      );
      rt.log.push('stderr', `preloaded shared '${name}' from ${p.path}`);
    } catch (e) {
      rt.log.push('stderr', `preload of shared '${name}' from ${p.path} failed: ${(e as Error).message}`);
    }
  }
}
