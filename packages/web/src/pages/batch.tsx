/** One batch: its details and state kept current, its log followed as it is written. */
import { batchEnded } from '@sparkport/client';
import { useEffect, useState } from 'preact/hooks';
import { isUnauthorized } from '../api.ts';
import { deleteBatch, killBatch } from '../batch/batch-actions.ts';
import { LogView } from '../batch/log-view.tsx';
import { useBatchFollow } from '../batch/use-batch-follow.ts';
import { useApp } from '../context.ts';
import { clock, span } from '../format.ts';
import { useNow } from '../hooks.ts';
import { href } from '../router.ts';
import { ErrorBanner, Spinner, StateBadge } from '../ui/components.tsx';

const none = <span class="muted">—</span>;
const link = (url: string | null, text: string) => (url ? <a href={url} target="_blank" rel="noopener noreferrer">{text}</a> : none);

export function BatchPage({ id }: { id: string }) {
  const { client, unauthorized } = useApp();
  const { batch: b, chunks, dropped, error, gone } = useBatchFollow(id);
  const [actError, setActError] = useState<unknown>(null);
  const [killing, setKilling] = useState(false);
  const now = useNow();
  const running = b ? !batchEnded(b.state) : false;
  useEffect(() => { setKilling(false); setActError(null); }, [id]);

  const act = async (what: 'kill' | 'delete') => {
    if (!b) return;
    setActError(null);
    try {
      if (what === 'kill') {
        if (await killBatch(client, b)) setKilling(true);
      } else if (await deleteBatch(client, b)) {
        location.hash = href('batches');
      }
    } catch (e) {
      if (isUnauthorized(e)) unauthorized(e);
      setActError(e);
    }
  };

  return (
    <section aria-labelledby="batch-title" class="batch-page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href={href('batches')}>Batches</a> <span aria-hidden="true">/</span></nav>
      <div class="toolbar">
        <h1 id="batch-title" class="page-title">Batch {b?.id ?? id}{b?.name ? <span class="muted batch-name"> {b.name}</span> : null}</h1>
        {b && <StateBadge kind="batch" state={b.state} />}
        {running && killing && <span class="muted">stopping…</span>}
        <span class="spacer" />
        {running && <button type="button" class="danger" onClick={() => act('kill')} disabled={killing}>Kill batch</button>}
        {b && <button type="button" class="link danger" aria-label="Delete batch" onClick={() => act('delete')}>Delete</button>}
      </div>
      <ErrorBanner error={actError} onClose={() => setActError(null)} />
      <ErrorBanner error={error} />
      {gone && <p><a href={href('batches')}>Back to the batches</a></p>}
      {!b && !error && <Spinner label="Loading the batch" />}
      {b && (
        <dl class="card batch-details">
          <div><dt>Owner</dt><dd>{b.owner ?? none}{b.proxyUser && b.proxyUser !== b.owner ? <span class="muted"> as {b.proxyUser}</span> : null}</dd></div>
          <div><dt>App id</dt><dd class="mono">{b.appId ?? none}</dd></div>
          <div><dt>Spark UI</dt><dd>{link(b.appInfo.sparkUiUrl, b.appInfo.sparkUiUrl ?? '')}</dd></div>
          {b.appInfo.driverLogUrl && <div><dt>Driver log</dt><dd>{link(b.appInfo.driverLogUrl, 'Driver log')}</dd></div>}
          <div><dt>Created</dt><dd title={clock(b.createdAt)}>{b.createdAt ? <>{clock(b.createdAt)} <span class="muted">({span(now - b.createdAt)} ago)</span></> : none}</dd></div>
        </dl>
      )}
      {b && (
        <div class="batch-log-head">
          <h2>Log</h2>
          {running ? <span class="muted live-dot">following</span> : <span class="muted">ended</span>}
        </div>
      )}
      {b && <LogView chunks={chunks} dropped={dropped} label="Batch log" empty={running ? 'No output yet.' : 'No output.'} />}
    </section>
  );
}
