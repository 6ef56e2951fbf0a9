/**
 * A finished statement, shown the way a terminal wants it: printed text (minus what was already
 * streamed), tables as tables, images as files, errors on stderr. Says whether it failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Statement } from '@sparkport/client';
import { printJson, type Io } from './io.ts';
import { formatTable } from './table.ts';

export interface RenderOptions {
  session: number | string;
  /** What the stream already printed, per stream (text/plain repeats it: stdout, then stderr). */
  streamed?: { stdout: string; stderr: string };
  saveImages?: string;
}

const TABLE = 'application/vnd.livy.table.v1+json';

/** The part of text/plain that was not streamed. */
export function unstreamed(text: string, streamed?: { stdout: string; stderr: string }): string {
  const seen = ((streamed?.stdout ?? '') + (streamed?.stderr ?? '')).trimEnd();
  if (!seen) return text;
  if (text.startsWith(seen)) return text.slice(seen.length).replace(/^\n/, '');
  // Cut short by the server's output limit, or the stream replayed only the latest lines:
  // what was shown is all there is to show.
  return '';
}

export function saveImage(dir: string, session: number | string, st: Statement, b64: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sparkport-${String(session).replace(/[^\w.-]/g, '_')}-${st.id}.png`);
  writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

/** Renders the result; true when the statement failed (error output, or cancelled). */
export function renderStatement(io: Io, st: Statement, opts: RenderOptions): boolean {
  const out = st.output;
  const data = out?.status === 'ok' ? out.data : {};
  const png = typeof data['image/png'] === 'string' ? (data['image/png'] as string) : undefined;
  if (io.json) {
    printJson(io, st);
    if (png && opts.saveImages) io.err(`image saved to ${saveImage(opts.saveImages, opts.session, st, png)}\n`);
    return !out || out.status === 'error' || st.state === 'cancelled';
  }
  if (!out) {
    io.err(`statement ${st.id} ${st.state === 'cancelled' ? 'was cancelled' : `is ${st.state}`}\n`);
    return true;
  }
  if (out.status === 'error') {
    io.err(formatError(out.ename, out.evalue, out.traceback));
    return true;
  }
  const text = typeof data['text/plain'] === 'string' ? unstreamed(data['text/plain'] as string, opts.streamed) : '';
  if (text) io.out(`${text}\n`);
  if (png) io.out(`image saved to ${saveImage(opts.saveImages ?? '.', opts.session, st, png)}\n`);
  const table = data[TABLE] as { headers: { name: string }[]; data: unknown[][] } | undefined;
  const json = data['application/json'] as { schema?: { fields?: { name: string }[] }; data?: unknown[][] } | undefined;
  if (table) io.out(`${formatTable(table.headers.map((h) => h.name), table.data)}\n`);
  else if (json && Array.isArray(json.schema?.fields) && Array.isArray(json.data)) {
    io.out(`${formatTable(json.schema.fields.map((f) => f.name), json.data)}\n`);
  } else if (json !== undefined) io.out(`${JSON.stringify(json, null, 2)}\n`);
  if (typeof data['text/html'] === 'string' && !text) io.out(`${data['text/html']}\n`);
  if (out.truncated) io.err(`(result cut at the server's output limit${out.total !== undefined ? `: ${out.total} in all` : ''})\n`);
  return st.state === 'cancelled';
}

export function formatError(ename: string, evalue: string, traceback: string[]): string {
  // A Python traceback ends with "ename: evalue" itself; a JVM stack (SQL) does not, and is long.
  if (traceback[0]?.startsWith('Traceback')) return traceback.join('').replace(/\n?$/, '\n');
  const head = `${ename}: ${evalue}\n`;
  const shown = traceback.slice(0, 8).map((l) => `  ${l.trimEnd()}\n`).join('');
  return head + shown + (traceback.length > 8 ? `  … ${traceback.length - 8} more lines\n` : '');
}
