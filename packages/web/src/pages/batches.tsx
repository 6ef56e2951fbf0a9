/** Every batch at a glance, newest first, kept current by long polls; submit, kill, delete. */
import { batchEnded, type Batch } from '@sparkport/client';
import { useState } from 'preact/hooks';
import { deleteBatch, killBatch } from '../batch/batch-actions.ts';
import { SubmitBatch } from '../batch/submit-batch.tsx';
import { useApp } from '../context.ts';
import { span } from '../format.ts';
import { useAction, useLiveList, useNow } from '../hooks.ts';
import { href } from '../router.ts';
import { ErrorBanner, Spinner, StateBadge } from '../ui/components.tsx';

export function BatchesPage() {
  const live = useLiveList((c, o) => c.watchBatches({ ...o, size: 1000, waitSeconds: 25 }));
  const [submitting, setSubmitting] = useState(false);
  const { error, clear, run } = useAction();
  const now = useNow();
  const { client } = useApp();
  const batches = [...(live.data?.sessions ?? [])].sort((a, b) => b.id - a.id);

  const act = (what: typeof killBatch, b: Batch) => run(() => what(client, b));

  return (
    <section aria-labelledby="batches-title">
      <div class="toolbar">
        <h1 id="batches-title" class="page-title">Batches</h1>
        <span class="muted" aria-live="polite">{live.data ? `${live.data.total} in all` : ''}</span>
        <span class="spacer" />
        <button type="button" class="primary" onClick={() => setSubmitting(true)}>Submit batch</button>
      </div>
      <ErrorBanner error={error ?? live.error} onClose={error ? clear : undefined} />
      {!live.data && !live.error && <Spinner label="Loading batches" />}
      {live.data && !batches.length && (
        <div class="empty card">No batches yet. Submit a Python file or a jar to run it with spark-submit.</div>
      )}
      {batches.length > 0 && (
        <div class="table-wrap batches-wrap">
          <table class="grid" aria-label="Batches">
            <thead>
              <tr>
                <th scope="col">Id</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Owner</th>
                <th scope="col">App id</th><th scope="col">Spark UI</th><th scope="col">Created</th>
                <th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {batches.map((b) => (
                <tr key={b.id} data-batch={b.id}>
                  <td><a href={href('batches', b.id)}>{b.id}</a></td>
                  <td>{b.name ? <a href={href('batches', b.id)}>{b.name}</a> : <span class="muted">—</span>}</td>
                  <td><StateBadge kind="batch" state={b.state} /></td>
                  <td>{b.owner ?? <span class="muted">—</span>}</td>
                  <td class="mono">{b.appId ?? <span class="muted">—</span>}</td>
                  <td>{b.appInfo.sparkUiUrl
                    ? <a href={b.appInfo.sparkUiUrl} target="_blank" rel="noopener noreferrer">Spark UI</a>
                    : <span class="muted">—</span>}</td>
                  <td title={b.createdAt ? new Date(b.createdAt).toLocaleString() : undefined}>{b.createdAt ? `${span(now - b.createdAt)} ago` : '—'}</td>
                  <td class="row-actions">
                    {!batchEnded(b.state) && (
                      <button type="button" class="link danger" aria-label={`Kill batch ${b.id}`} onClick={() => act(killBatch, b)}>Kill</button>
                    )}
                    <button type="button" class="link danger" aria-label={`Delete batch ${b.id}`} onClick={() => act(deleteBatch, b)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {submitting && <SubmitBatch onClose={() => setSubmitting(false)} />}
    </section>
  );
}
