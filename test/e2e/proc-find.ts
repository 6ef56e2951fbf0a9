/**
 * A session's processes, found from outside as an operator would: GET /sessions/{id} names no
 * pid, but every process of a session carries its work directory (`<dataDir>/sessions/<id>`): the
 * JVM on its command line (spark.local.dir), the Python driver in its environment
 * (PYSPARK_SUBMIT_ARGS). Linux only; the test's user must own them (the server's user).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Proc { pid: number; comm: string; cmdline: string; environ: string }

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function procs(): Proc[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => ({
    pid: Number(d),
    comm: read(`/proc/${d}/comm`).trim(),
    cmdline: read(`/proc/${d}/cmdline`).split('\0').join(' '),
    environ: read(`/proc/${d}/environ`),
  }));
}

const only = (found: Proc[], what: string): number => {
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.map((p) => `${p.pid} ${p.comm}`).join(', ') || 'none'}`);
  return found[0]!.pid;
};

export function jvmOf(workDir: string): number {
  return only(procs().filter((p) => p.comm === 'java' && p.cmdline.includes(`${workDir}/`)), `JVM of ${workDir}`);
}

export function pythonDriverOf(workDir: string): number {
  return only(
    procs().filter((p) => p.comm.startsWith('python') && p.cmdline.includes('sparkport_driver') && p.environ.includes(`${workDir}/`)),
    `Python driver of ${workDir}`,
  );
}

/** Resident and peak resident memory of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = read(`/proc/${pid}/status`);
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Whether a process runs (a zombie, which has ended but not been reaped, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '');
  } catch {
    return false;
  }
}

/**
 * Every process whose command line names `text` (a batch's own file or argument): spark-submit's
 * JVM, the Python it runs, and the sandbox and launch wrapper around them. Found from outside,
 * because a pid a sandboxed process reports for itself is its pid namespace's, not the host's.
 */
export function processesNaming(text: string): number[] {
  return procs().filter((p) => p.cmdline.includes(text) && p.pid !== process.pid).map((p) => p.pid);
}
