/**
 * What every interactive session's driver needs so that Scala (kind spark) can start inside it
 * later, on its first Scala statement: the interpreter helper on the class path, and the
 * directory the interpreter compiles into. Spark serves that directory to executors (closures and
 * case classes defined in Scala) only if it knows it when the context starts, so it is set for
 * every session, Python-only ones included; it costs nothing until Scala runs.
 */
import path from 'node:path';
import type { Config } from '../config.ts';

export function replClassDir(workDir: string): string {
  return path.join(workDir, 'repl-classes');
}

/** spark-submit arguments (flag/value pairs, as buildSubmitArgs makes them) plus Scala's. */
export function withScalaSupport(args: string[], cfg: Config, workDir: string): string[] {
  const out = [...args];
  const jar = cfg.spark.scalaHelperJar;
  if (jar) {
    let i = 0;
    while (i < out.length && out[i] !== '--jars') i += 2;
    if (i < out.length) out[i + 1] = `${jar},${out[i + 1]}`;
    else out.push('--jars', jar);
  }
  out.push('--conf', `spark.repl.class.outputDir=${replClassDir(workDir)}`);
  return out;
}
