/** Tabular results (`%table`, SQL) as a table one sorts by clicking a column's name. */
import { useMemo, useState } from 'preact/hooks';
import { jsonText } from '../ui/components.tsx';

export interface Column { name: string; type: string }

/** Rows shown before "Show all": a 1,000-row result stays quick to open and scroll past. */
const FIRST_ROWS = 200;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A cell as text; a nested value as JSON, cut short (a cell is no place for a megabyte). */
const cellText = (v: unknown) => (typeof v === 'string' ? v : jsonText(v, 2000));

/** Nulls last whichever way; numbers as numbers; the rest as text, digits by value. */
function compare(a: unknown, b: unknown, dir: 1 | -1): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * dir;
  if (typeof a === 'boolean' && typeof b === 'boolean') return (Number(a) - Number(b)) * dir;
  return collator.compare(cellText(a), cellText(b)) * dir;
}

export function TableView({ columns, rows, truncated, total, label }: {
  columns: Column[]; rows: unknown[][]; truncated?: boolean; total?: number; label: string;
}) {
  const [sort, setSort] = useState<{ col: number; dir: 1 | -1 } | null>(null);
  const [all, setAll] = useState(false);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    return rows.map((r, i) => [r, i] as const)
      .sort(([a, i], [b, j]) => compare(a[sort.col], b[sort.col], sort.dir) || i - j)
      .map(([r]) => r);
  }, [rows, sort]);
  const shown = all ? sorted : sorted.slice(0, FIRST_ROWS);
  const toggle = (col: number) => setSort((s) => (s?.col === col ? { col, dir: s.dir === 1 ? -1 : 1 } : { col, dir: 1 }));

  return (
    <div class="out-table">
      {truncated && (
        <p class="truncated" role="note">
          <span class="badge badge-busy">truncated</span>{' '}
          {total !== undefined ? `Showing ${rows.length} of ${total} rows` : `Showing the first ${rows.length} rows`}
          {' '}(the server's output limit)
        </p>
      )}
      <div class="table-wrap">
        <table class="grid" aria-label={label}>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} scope="col" aria-sort={sort?.col === i ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined}>
                  <button type="button" class="sort" onClick={() => toggle(i)} title={`Sort by ${c.name}`}>
                    {c.name}
                    <span class="sort-mark" aria-hidden="true">{sort?.col === i ? (sort.dir === 1 ? ' ▲' : ' ▼') : ' ↕'}</span>
                  </button>
                  <span class="coltype">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r, ri) => (
              <tr key={ri}>
                {columns.map((_, ci) => {
                  const v = r[ci];
                  return v === null || v === undefined
                    ? <td key={ci} class="muted">null</td>
                    : <td key={ci} class={typeof v === 'number' ? 'num' : undefined}>{cellText(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="table-foot muted">
        {rows.length} {rows.length === 1 ? 'row' : 'rows'}
        {!all && rows.length > FIRST_ROWS && (
          <> · showing {FIRST_ROWS} · <button type="button" class="link" onClick={() => setAll(true)}>Show all {rows.length} rows</button></>
        )}
      </p>
    </div>
  );
}

/** A Spark schema type (JSON) as Spark writes it in DDL: long, array<string>, struct<a:int>. */
export function typeName(t: unknown, depth = 0): string {
  if (typeof t === 'string') return t;
  // Not a type Spark writes (or nested past any real schema): shown as its JSON, cut short.
  if (!t || typeof t !== 'object' || depth > 50) return jsonText(t, 200);
  const o = t as { type?: unknown; elementType?: unknown; keyType?: unknown; valueType?: unknown; fields?: unknown };
  if (o.type === 'array') return `array<${typeName(o.elementType, depth + 1)}>`;
  if (o.type === 'map') return `map<${typeName(o.keyType, depth + 1)},${typeName(o.valueType, depth + 1)}>`;
  if (o.type === 'struct' && Array.isArray(o.fields)) {
    return `struct<${o.fields.map((f) => (named(f) ? `${f.name}:${typeName(f.type, depth + 1)}` : '?')).join(',')}>`;
  }
  return typeof o.type === 'string' ? o.type : jsonText(t, 200);
}

/**
 * Outputs come from user code, so a table's shape is checked before it is drawn: columns
 * objects with a string name, rows arrays. Anything else is no table (its JSON is shown).
 */
const named = (c: unknown): c is { name: string; type?: unknown } =>
  typeof c === 'object' && c !== null && typeof (c as { name?: unknown }).name === 'string';
const rowsOk = (d: unknown): d is unknown[][] => Array.isArray(d) && d.every(Array.isArray);

/** Livy's table (`%table`): headers with names and types, rows as arrays. */
export function livyTable(v: unknown): { columns: Column[]; rows: unknown[][] } | null {
  const t = v as { headers?: unknown; data?: unknown } | null;
  if (!t || typeof t !== 'object' || !Array.isArray(t.headers) || !t.headers.every(named) || !rowsOk(t.data)) return null;
  return { columns: t.headers.map((h) => ({ name: h.name, type: typeof h.type === 'string' ? h.type : '' })), rows: t.data };
}

/** A `sql` statement's JSON: `{schema: <Spark struct>, data: [[…]]}`. */
export function sqlTable(v: unknown): { columns: Column[]; rows: unknown[][] } | null {
  const t = v as { schema?: { type?: unknown; fields?: unknown }; data?: unknown } | null;
  if (!t || typeof t !== 'object' || t.schema?.type !== 'struct' || !Array.isArray(t.schema.fields) || !t.schema.fields.every(named) || !rowsOk(t.data)) return null;
  return { columns: t.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type) })), rows: t.data };
}
