/**
 * How much of a session's history the notebook keeps in memory. Keeping every statement ever
 * loaded let 80 statements of 900 KB output take the page's heap to 67 MB for good; now the
 * rows near the ones on screen stay, the far ones go (a placeholder row reads them again when
 * it scrolls back into view).
 */
import type { Statement } from '@sparkport/client';

/** Characters of statements (code and output) kept around the rows on screen. */
export const OUTPUT_BUDGET = 12_000_000;
/** Statements kept at most, however small: a long history of short outputs adds up too. */
export const MAX_KEPT_ROWS = 600;
/** Characters kept of what a failed statement printed (its tail: the end says most). */
export const PRINTED_MAX = 64 * 1024;
/** Characters of printed text kept in all, nearest rows first (it cannot be read again). */
export const PRINTED_BUDGET = 2_000_000;

const sizes = new WeakMap<Statement, number>();

/** About how many characters a statement holds: its code and its output's text and values. */
export function statementSize(s: Statement): number {
  let n = sizes.get(s);
  if (n !== undefined) return n;
  try {
    n = String(s.code).length + 200;
    const out = s.output;
    if (out?.status === 'error') n += JSON.stringify([out.ename, out.evalue, out.traceback]).length;
    else if (out) for (const v of Object.values(out.data ?? {})) n += typeof v === 'string' ? v.length : JSON.stringify(v)?.length ?? 0;
  } catch {
    // Not the shape the server promises, or too deep for JSON.stringify: counted as big, never thrown
    // (this runs in the store's timer, where nothing would catch it).
    n = 1_000_000;
  }
  sizes.set(s, n);
  return n;
}

/** How far row `id` is from the nearest row on screen (`view`, ascending). */
const distance = (id: number, view: number[]) => {
  let d = Infinity;
  for (const v of view) d = Math.min(d, Math.abs(id - v));
  return d;
};

/**
 * Which of `ids` to let go: rows are kept nearest the view first while they fit in `budget`
 * and `maxRows`; rows in view and `pinned` ones are always kept (and counted).
 */
export function beyondBudget(ids: number[], sizeOf: (id: number) => number, view: number[], budget: number, maxRows: number,
  pinned: (id: number) => boolean = () => false): number[] {
  const order = ids.map((id) => ({ id, d: view.includes(id) || pinned(id) ? -1 : distance(id, view) })).sort((a, b) => a.d - b.d);
  const drop: number[] = [];
  let used = 0;
  let kept = 0;
  // Once one row does not fit, the farther ones go too: what stays is a window, not a sieve.
  let full = false;
  for (const { id, d } of order) {
    const size = sizeOf(id);
    if (d >= 0 && (full || used + size > budget || kept >= maxRows)) { full = true; drop.push(id); continue; }
    used += size;
    kept++;
  }
  return drop;
}
