/**
 * A statement's output by MIME type. Everything is rendered as text nodes or attributes, never
 * as markup: outputs come from user code (and `text/html` from anyone's), so HTML shows escaped.
 */
import type { StatementOutput } from '@sparkport/client';
import { Component } from 'preact';
import { useState } from 'preact/hooks';
import { JsonView, jsonText } from '../ui/components.tsx';
import { TableView, livyTable, sqlTable } from './table-view.tsx';

const TABLE = 'application/vnd.livy.table.v1+json';
const KNOWN = new Set(['text/plain', 'application/json', TABLE, 'image/png', 'text/html']);
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/** Re-renders only for a new output: a cell re-renders as it moves or its neighbours stream. */
export class OutputView extends Component<{ output: StatementOutput; sid: number }> {
  shouldComponentUpdate(next: { output: StatementOutput; sid: number }) {
    return next.output !== this.props.output || next.sid !== this.props.sid;
  }
  render({ output, sid }: { output: StatementOutput; sid: number }) {
    return output.status === 'error' ? <ErrorOutput output={output} /> : <OkOutput output={output} sid={sid} />;
  }
}

function ErrorOutput({ output }: { output: Extract<StatementOutput, { status: 'error' }> }) {
  const tb = output.traceback ?? [];
  // Python's lines end in newlines; the JVM's do not.
  const trace = tb.every((l) => l.endsWith('\n')) ? tb.join('') : tb.join('\n');
  return (
    <div class="out-error">
      <p class="out-ename"><strong>{output.ename}</strong>{output.evalue ? `: ${output.evalue}` : ''}</p>
      {trace.trim() && <pre class="out-trace" aria-label="Traceback">{trace}</pre>}
    </div>
  );
}

function OkOutput({ output, sid }: { output: Extract<StatementOutput, { status: 'ok' }>; sid: number }) {
  const data: Record<string, unknown> = typeof output.data === 'object' && output.data !== null ? output.data : {};
  const text = data['text/plain'];
  const parts = [];
  let truncationShown = false;

  if (typeof text === 'string' && text !== '') parts.push(<pre key="text" class="out-text">{text}</pre>);
  if (typeof data['image/png'] === 'string' && BASE64.test(data['image/png'])) {
    parts.push(<img key="png" class="out-img" src={`data:image/png;base64,${data['image/png'].replace(/\s/g, '')}`} alt={`Plot from statement ${sid}`} />);
  }
  const livy = livyTable(data[TABLE]);
  if (livy) {
    truncationShown = true;
    parts.push(<TableView key="table" {...livy} truncated={output.truncated} total={output.total} label={`Table from statement ${sid}`} />);
  } else if (TABLE in data) {
    // Not the shape of a table (user code wrote it): what it is, as JSON.
    parts.push(
      <div key="table" class="out-other">
        <span class="out-mime">{TABLE}, not in a table's shape</span>
        <pre class="out-text">{jsonText(data[TABLE], 20_000, 1)}</pre>
      </div>,
    );
  }
  if ('application/json' in data) {
    const sql = sqlTable(data['application/json']);
    if (sql) truncationShown = true;
    parts.push(sql
      ? <SqlResult key="json" value={data['application/json']} table={sql} truncated={output.truncated} total={output.total} sid={sid} />
      : <div key="json" class="out-json json-root"><JsonView value={data['application/json']} /></div>);
  }
  if (typeof data['text/html'] === 'string') {
    parts.push(
      <div key="html" class="out-other">
        <span class="out-mime">text/html, shown as text</span>
        <pre class="out-text">{data['text/html']}</pre>
      </div>,
    );
  }
  for (const [mime, v] of Object.entries(data)) {
    if (KNOWN.has(mime)) continue;
    parts.push(
      <div key={mime} class="out-other">
        <span class="out-mime">{mime}</span>
        <pre class="out-text">{typeof v === 'string' ? v : jsonText(v, 20_000, 2)}</pre>
      </div>,
    );
  }
  if (output.truncated && !truncationShown) {
    parts.push(
      <p key="cut" class="truncated" role="note">
        <span class="badge badge-busy">truncated</span> The output was cut at the server's limit{output.total !== undefined ? ` (${output.total} in all)` : ''}.
      </p>,
    );
  }
  return parts.length ? <div class="out">{parts}</div> : null;
}

/** A `sql` result: its rows as a table, or the JSON the server sent. */
function SqlResult({ value, table, truncated, total, sid }: {
  value: unknown; table: NonNullable<ReturnType<typeof sqlTable>>; truncated?: boolean; total?: number; sid: number;
}) {
  const [asJson, setAsJson] = useState(false);
  return (
    <div class="out-sql">
      <div class="segmented out-switch" role="group" aria-label={`Show the result of statement ${sid} as`}>
        <button type="button" aria-pressed={!asJson} onClick={() => setAsJson(false)}>Table</button>
        <button type="button" aria-pressed={asJson} onClick={() => setAsJson(true)}>JSON</button>
      </div>
      {asJson
        ? <div class="out-json json-root"><JsonView value={value} /></div>
        : <TableView {...table} truncated={truncated} total={total} label={`Result of statement ${sid}`} />}
    </div>
  );
}
