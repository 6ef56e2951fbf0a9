/**
 * A driver's (or spark-submit's) stdout and stderr, each a ring of the last N lines, rendered as
 * Livy does: "stdout: ", the stdout lines, "\nstderr: ", the stderr lines.
 */
/** A line longer than this is cut: one runaway print (or driver message) must not fill the server's memory. */
export const MAX_LOG_LINE_CHARS = 16 * 1024;

const CUT = /… \[\d+ more characters\]$/;

/** The line, or its first `max` characters and how many more there were; a line cut before (a restored log's) stays as it is. */
export function cutLine(line: string, max = MAX_LOG_LINE_CHARS): string {
  if (line.length <= max || CUT.exec(line)?.index === max) return line;
  return `${line.slice(0, max)}… [${line.length - max} more characters]`;
}

export class LogBuffer {
  private out: string[] = [];
  private err: string[] = [];
  constructor(private readonly maxLines: number, initial: string[] = []) {
    // A restored tail has lost its stream split; keep it as stderr, where Spark writes.
    this.err = initial.filter((l) => l !== 'stdout: ' && l !== '\nstderr: ');
  }

  /** Forgets every line: a driver found again after a restart replays its log files. */
  clear(): void {
    this.out = [];
    this.err = [];
  }

  push(stream: 'stdout' | 'stderr', line: string): void {
    const ring = stream === 'stdout' ? this.out : this.err;
    ring.push(cutLine(line));
    if (ring.length > this.maxLines) ring.splice(0, ring.length - this.maxLines);
  }

  lines(): string[] {
    return ['stdout: ', ...this.out, '\nstderr: ', ...this.err];
  }

  /** The last n lines of stderr: the part that explains a failed start. */
  stderrTail(n: number): string[] {
    return this.err.slice(-n);
  }
}
