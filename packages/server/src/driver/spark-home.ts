/**
 * Which Spark distribution's bin/spark-submit the server runs: batches.sparkHome, or by default
 * the venv's pyspark package, which is a complete SPARK_HOME.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

/** The pyspark package directory of a venv's python: it is a complete SPARK_HOME. */
export function venvSparkHome(python: string): string | null {
  const lib = path.join(path.dirname(path.dirname(python)), 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const home = path.join(lib, py, 'site-packages', 'pyspark');
    if (existsSync(path.join(home, 'bin', 'spark-submit'))) return home;
  }
  return null;
}

export function sparkHomeOf(cfg: Pick<Config, 'batches' | 'spark'>): string | null {
  return cfg.batches.sparkHome ?? venvSparkHome(cfg.spark.python);
}

/** bin/spark-submit of that home, and the home; throws, saying how to fix it, when there is none. */
export function sparkSubmitOf(home: string | null): { home: string; sparkSubmit: string } {
  const sparkSubmit = home ? path.join(home, 'bin', 'spark-submit') : '';
  if (!home || !existsSync(sparkSubmit)) {
    throw new Error(`spark-submit not found${home ? ` at ${sparkSubmit}` : ''}: install pyspark in the venv (npm run setup) or set batches.sparkHome`);
  }
  return { home, sparkSubmit };
}
