/**
 * A session's shared data (#/sessions/ID/shared[/NAME]): its maps and datasets beside the one
 * chosen, which the hash names so a reload or a link lands on it.
 */
import { sharedApi, type SharedItem } from '@sparkport/client';
import type { SharedList } from '@sparkport/protocol';
import { useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import { ErrorBanner, Spinner } from '../ui/components.tsx';
import { DatasetView } from './dataset-view.tsx';
import { LoadDialog, NewMapDialog, SaveDialog } from './file-dialogs.tsx';
import { MapView } from './map-view.tsx';
import { columnsOf } from './schema.ts';
import { useAction } from '../hooks.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "12 keys" or "3 columns · 1,000 rows" (the count is null until Spark has counted). */
function sizeText(i: SharedItem): string {
  if (i.kind === 'map') return plural(i.size ?? 0, 'key');
  const cols = columnsOf(i.schema).length;
  return `${plural(cols, 'column')} · ${i.count == null ? 'rows not counted' : plural(i.count, 'row')}`;
}

export function SharedTab({ id, name }: { id: string; name?: string }) {
  const list = useLoad<SharedList>((c) => sharedApi.listShared(c.settings, id), [id]);
  const [dialog, setDialog] = useState<'load' | 'new' | null>(null);
  const items = list.data?.items ?? [];
  const go = (n?: string) => { location.hash = n ? href('sessions', id, 'shared', n) : href('sessions', id, 'shared'); };

  return (
    <div class="shared">
      <aside class="shared-side" aria-labelledby="shared-title">
        <div class="shared-side-head">
          <h2 id="shared-title">Shared data</h2>
          <span class="spacer" />
          <button type="button" class="icon" aria-label="Refresh the list" title="Refresh" onClick={list.reload}>↻</button>
        </div>
        <div class="row shared-side-actions">
          <button type="button" onClick={() => setDialog('new')}>New map</button>
          <button type="button" onClick={() => setDialog('load')}>Load…</button>
        </div>
        {list.loading && !list.data && <Spinner label="Loading shared data" />}
        {list.data && !items.length && <p class="muted shared-none">Nothing shared yet.</p>}
        {items.length > 0 && (
          <ul class="shared-items" aria-label="Maps and datasets">
            {items.map((i) => (
              <li key={i.name}>
                <a href={href('sessions', id, 'shared', i.name)} aria-current={i.name === name ? 'page' : undefined} data-shared={i.name}>
                  <span class="shared-item-name mono">{i.name}</span>
                  <span class={`kind kind-${i.kind}`}>{i.kind}</span>
                  <span class="shared-item-size muted">{sizeText(i)}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section class="shared-main">
        <ErrorBanner error={list.error} />
        {name
          ? <Selected key={name} id={id} name={name} item={items.find((i) => i.name === name)} listed={!!list.data}
              onChanged={list.reload} onDropped={() => { go(); list.reload(); }} />
          : <Overview id={id} items={items} loaded={!!list.data} />}
      </section>
      {dialog === 'load' && (
        <LoadDialog id={id} onClose={() => setDialog(null)} onLoaded={(i) => { setDialog(null); list.reload(); go(i.name); }} />
      )}
      {dialog === 'new' && (
        <NewMapDialog id={id} onClose={() => setDialog(null)} onCreated={(n) => { setDialog(null); list.reload(); go(n); }} />
      )}
    </div>
  );
}

function Overview({ id, items, loaded }: { id: string; items: SharedItem[]; loaded: boolean }) {
  if (!loaded) return null;
  if (!items.length) {
    return (
      <div class="empty card">
        <p>This session shares no maps or datasets yet.</p>
        <p class="muted">In Python, <code>shared["states"]["ak"] = "Alaska"</code> makes a map and <code>shared.publish("sales", df)</code> a dataset; or start a map here, or load one from files.</p>
      </div>
    );
  }
  return (
    <div class="table-wrap">
      <table class="grid" aria-label="Shared maps and datasets">
        <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col" class="num">Keys / rows</th><th scope="col">Columns</th></tr></thead>
        <tbody>
          {items.map((i) => {
            const cols = columnsOf(i.schema);
            return (
              <tr key={i.name}>
                <td class="mono"><a href={href('sessions', id, 'shared', i.name)}>{i.name}</a></td>
                <td><span class={`kind kind-${i.kind}`}>{i.kind}</span></td>
                <td class="num">{i.kind === 'map' ? i.size ?? '—' : i.count ?? '—'}</td>
                <td class="columns-cell">
                  {i.kind === 'map'
                    ? <span class="muted">key, value</span>
                    : cols.map((c) => <span key={c.name} class="col-chip"><span class="mono">{c.name}</span> <span class="muted mono">{c.type}</span></span>)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Selected({ id, name, item, listed, onChanged, onDropped }: {
  id: string; name: string; item?: SharedItem; listed: boolean; onChanged(): void; onDropped(): void;
}) {
  const { client } = useApp();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const f = useAction();

  if (!item) {
    if (!listed) return null;
    return (
      <div class="empty card">
        <p>This session has no map or dataset named <code>{name}</code>.</p>
        <p class="muted">It may have been dropped, or made after the list was read: refresh the list.</p>
      </div>
    );
  }

  const drop = async () => {
    if (!confirm(`Drop ${item.kind} ${name}? Its ${item.kind === 'map' ? 'keys are' : 'rows are'} gone from the session for everyone.`)) return;
    await f.run(async () => {
      await sharedApi.dropShared(client.settings, id, name);
      onDropped();
    });
  };

  return (
    <div class="shared-selected">
      <div class="toolbar">
        <h2 class="shared-title"><span class="mono">{name}</span> <span class={`kind kind-${item.kind}`}>{item.kind}</span></h2>
        <span class="muted">{sizeText(item)}</span>
        <span class="spacer" />
        <button type="button" onClick={() => { setSaved(null); setSaving(true); }}>Save to files…</button>
        <button type="button" class="danger" aria-label={`Drop ${item.kind} ${name}`} onClick={drop}>Drop</button>
      </div>
      {saved && <p class="saved-note" role="status">{saved}</p>}
      <ErrorBanner error={f.error} onClose={f.clear} />
      {item.kind === 'map'
        ? <MapView id={id} name={name} onChanged={onChanged} />
        : <DatasetView id={id} name={name} schema={item.schema} />}
      {saving && (
        <SaveDialog id={id} item={item} onClose={() => setSaving(false)}
          onSaved={(r) => { setSaving(false); setSaved(`Saved ${plural(r.rows, 'row')} to ${r.path} (${r.format}).`); }} />
      )}
    </div>
  );
}
