/**
 * Plain-text tables for terminals: `formatTable(['id', 'state'], [[0, 'idle']])`.
 */
const MAX_CELL = 80;

export function cell(v: unknown): string {
  const s = v === null || v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v);
  // One line per row: a newline inside a value would break the columns.
  const flat = s.replace(/\r?\n/g, '\\n');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

export function formatTable(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => headers.map((_, i) => cell(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => [...r[i]!].length)));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}
