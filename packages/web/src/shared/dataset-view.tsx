/** A shared dataset's rows as a table, a page at a time, each column with its Spark type. */
import { sharedApi, type SharedPage } from '@sparkport/client';
import { useLoad } from '../hooks.ts';
import { ErrorBanner, ErrorBoundary, Spinner, jsonText } from '../ui/components.tsx';
import { Pager } from './pager.tsx';
import { columnsOf, type Column } from './schema.ts';
import { ValuePreview } from './value-preview.tsx';
import { useCursorPages } from './view-hooks.ts';

const PAGE_SIZE = 50;

function Cell({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="json-null">null</span>;
  if (typeof value === 'object') return <ValuePreview value={value} />;
  return <>{String(value)}</>;
}

export function DatasetView({ id, name, schema }: { id: string; name: string; schema?: unknown }) {
  const pages = useCursorPages('');
  const page = useLoad<SharedPage>(
    (c) => sharedApi.scanShared(c.settings, id, name, { limit: PAGE_SIZE, cursor: pages.cursor }),
    [id, name, pages.cursor],
  );
  // Rows come from user code through the server: anything but an array is shown as it came.
  const sent = page.data?.rows;
  const rows: unknown[] = Array.isArray(sent) ? sent : [];
  const typed = columnsOf(page.data?.schema ?? schema);
  // No schema to read (an older server, say): the first row's fields, untyped.
  const columns = typed.length || !rows[0] || typeof rows[0] !== 'object' || Array.isArray(rows[0])
    ? typed
    : Object.keys(rows[0] as object).map((n) => ({ name: n, type: '', nullable: true }));
  const notAList = sent != null && !Array.isArray(sent);

  return (
    <div class="dataset-view">
      {page.loading && <Spinner label="Loading rows" />}
      <ErrorBanner error={page.error} />
      {notAList && <div class="render-failed"><p>These rows are not a list:</p><pre>{jsonText(sent, 20_000, 1)}</pre></div>}
      {page.data && !rows.length && !notAList && <div class="empty">This dataset has no rows.</div>}
      {rows.length > 0 && (
        // A page that cannot be drawn says why, and the pager below still works.
        <ErrorBoundary what="page of rows" raw={page.data} resetKey={page.data}>
          <RowsTable name={name} rows={rows} columns={columns} first={pages.index * PAGE_SIZE + 1} />
        </ErrorBoundary>
      )}
      {page.data && (pages.index > 0 || page.data.next_cursor) && (
        <Pager index={pages.index} shown={rows.length} pageSize={PAGE_SIZE} hasNext={!!page.data.next_cursor} noun="Rows"
          total={page.data.count} onPrev={pages.prev} onNext={() => page.data?.next_cursor && pages.next(page.data.next_cursor)} />
      )}
    </div>
  );
}

/** Rows come as objects by column name; an array row is read by position. */
const cell = (r: unknown, i: number, col: string) => (Array.isArray(r) ? r[i] : (r as Record<string, unknown> | null)?.[col]);

function RowsTable({ name, rows, columns, first }: { name: string; rows: unknown[]; columns: Column[]; first: number }) {
  return (
    <div class="table-wrap">
      <table class="grid dataset-rows" aria-label={`Rows of ${name}`}>
        <thead>
          <tr>
            <th scope="col" class="num" title="Row number">#</th>
            {columns.map((c) => (
              <th key={c.name} scope="col">{c.name}<span class="coltype">{c.type}{c.nullable ? '' : ' not null'}</span></th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, ri) => (
            <tr key={ri}>
              <td class="num muted">{first + ri}</td>
              {columns.map((c, ci) => <td key={c.name} class="mono"><Cell value={cell(r, ci, c.name)} /></td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
