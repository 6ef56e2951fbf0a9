/**
 * How many sessions a machine holds: sessions.max's default, from its memory rather than a
 * constant. A local-mode driver is its JVM's heap (spark.defaultDriverMemory) plus about half a
 * gigabyte of the rest (the JVM's own memory, the Python process), measured on this project's
 * machine (bench/capacity.ts); a gigabyte stays for the system and the server.
 */
import os from 'node:os';
import type { Config } from '../config.ts';
import { MEMORY } from './validate-submit.ts';

const GiB = 1024 ** 3;
const PER_DRIVER_OVERHEAD = 0.5 * GiB;
const RESERVED = 1 * GiB;

/** A Spark memory size (512m, 2g) in bytes. */
export function memoryBytes(size: string): number {
  if (!MEMORY.test(size)) throw new Error(`'${size}' is not a memory size such as 512m or 2g`);
  const m = /^(\d+)([kmgt]?)/i.exec(size)!;
  const unit = { '': 1024 * 1024, k: 1024, m: 1024 ** 2, g: GiB, t: 1024 * GiB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * unit;
}

/** Sessions that fit in `totalBytes` of memory at `driverMemory` each: at least 1, at most 64. */
export function autoMaxSessions(driverMemory: string, totalBytes: number): number {
  const fit = Math.floor((totalBytes - RESERVED) / (memoryBytes(driverMemory) + PER_DRIVER_OVERHEAD));
  return Math.max(1, Math.min(64, fit));
}

/** The memory this process may use: the machine's, or its container's (cgroup) limit when lower. */
export function machineMemory(): number {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return Math.min(os.totalmem(), constrained && constrained > 0 ? constrained : Infinity);
}

/** sessions.max, or (-1, the default) as many as this machine holds at the driver memory sessions get. */
export function sessionLimit(cfg: Pick<Config, 'sessions' | 'spark'>): number {
  if (cfg.sessions.max >= 0) return cfg.sessions.max;
  return autoMaxSessions(cfg.spark.forcedConf['spark.driver.memory'] ?? cfg.spark.defaultDriverMemory, machineMemory());
}
