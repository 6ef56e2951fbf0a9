/**
 * Query parameters, checked by hand so each bad value gets a message naming it.
 */
import { invalid } from '../domain/errors.ts';

export function intParam(q: Record<string, unknown>, name: string, dflt: number, opts: { min?: number } = {}): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return dflt;
  const s = String(raw);
  if (!/^-?\d+$/.test(s)) throw invalid(`Query parameter '${name}' must be an integer, got '${s}'`);
  const n = Number(s);
  if (opts.min !== undefined && n < opts.min) throw invalid(`Query parameter '${name}' must be at least ${opts.min}, got ${n}`);
  return n;
}

/** `?wait=SECONDS` (fractions allowed), capped by the server's limit. Returns milliseconds. */
export function waitParam(q: Record<string, unknown>, maxSeconds: number): number {
  const raw = q.wait;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw invalid(`Query parameter 'wait' must be a number of seconds ≥ 0, got '${String(raw)}'`);
  return Math.round(Math.min(n, maxSeconds) * 1000);
}

/** Paging as Livy does: `from` offset, `size` count (default all for statements). */
export function page<T>(items: T[], from: number, size: number | undefined): T[] {
  return items.slice(from, size === undefined ? undefined : from + size);
}
