/**
 * The lines a fresh read of a batch's log adds to the last one. The server keeps only the last
 * `batches.logLines` lines, so once that many are kept the window slides: a read is the last
 * read minus some lines at the front plus some at the end, and only its overlap says which.
 */

const same = (a: string[], from: number, b: string[], n: number) => {
  for (let i = n - 1; i >= 0; i--) if (a[from + i] !== b[i]) return false;
  return true;
};

/** `gap`: nothing of `prev` is left in `next` (more lines came than the server keeps, or it replaced its copy). */
export function addedLines(prev: string[], next: string[]): { added: string[]; gap: boolean } {
  // Smallest shift first: with repeated lines, assume the fewest new ones.
  for (let k = 0; k < prev.length; k++) {
    const n = prev.length - k;
    if (n <= next.length && same(prev, k, next, n)) return { added: next.slice(n), gap: false };
  }
  return { added: next, gap: prev.length > 0 };
}
