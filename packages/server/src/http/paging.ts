/**
 * Livy's paging, on query values the schemas have already checked and defaulted.
 */

/** `from` offset, `size` count; no size means everything from `from` on. */
export function page<T>(items: T[], from: number, size: number | undefined): T[] {
  return items.slice(from, size === undefined ? undefined : from + size);
}

/** A log window: the last `size` lines unless `from` is given; a negative size means every line. */
export function logWindow(lines: string[], q: { from?: number; size: number }): { from: number; total: number; log: string[] } {
  const all = q.size < 0;
  const from = q.from ?? (all ? 0 : Math.max(0, lines.length - q.size));
  return { from, total: lines.length, log: page(lines, from, all ? undefined : q.size) };
}
