/** A shared map's keys: search by prefix, page by cursor, and read, edit, add or delete keys. */
import { sharedApi, type SharedPage } from '@sparkport/client';
import { useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { ErrorBanner, Spinner } from '../ui/components.tsx';
import { KeyEditor } from './key-editor.tsx';
import { Pager } from './pager.tsx';
import { ValuePreview } from './value-preview.tsx';
import { useAction } from '../hooks.ts';
import { useCursorPages, useDebounced } from './view-hooks.ts';

const PAGE_SIZE = 50;

export function MapView({ id, name, onChanged }: { id: string; name: string; onChanged(): void }) {
  const { client } = useApp();
  const [typed, setTyped] = useState('');
  const prefix = useDebounced(typed, 300);
  const pages = useCursorPages(prefix);
  const page = useLoad<SharedPage>(
    (c) => sharedApi.scanShared(c.settings, id, name, { prefix: prefix || undefined, limit: PAGE_SIZE, cursor: pages.cursor }),
    [id, name, prefix, pages.cursor],
  );
  const [editing, setEditing] = useState<{ key?: string } | null>(null);
  const f = useAction();
  // Anything but a list of entries (a server out of step, say) is shown as none, not a crash.
  const entries = Array.isArray(page.data?.entries) ? page.data.entries : [];

  const remove = async (key: string) => {
    if (!confirm(`Delete key “${key}” from ${name}?`)) return;
    await f.run(async () => {
      await sharedApi.deleteSharedValue(client.settings, id, name, key);
      // The last key of a later page gone: that page no longer exists, show the one before.
      if (entries.length === 1 && pages.index > 0) pages.prev();
      else page.reload();
      onChanged();
    });
  };

  return (
    <div class="map-view">
      <div class="toolbar">
        <label class="search">
          <span class="field-label">Key prefix</span>
          <input type="search" class="mono" value={typed} placeholder="All keys" autoComplete="off" spellcheck={false}
            onInput={(e) => setTyped(e.currentTarget.value)} />
        </label>
        {page.loading && <Spinner label="Loading keys" />}
        <span class="spacer" />
        <button type="button" class="primary" onClick={() => setEditing({})}>Add key</button>
      </div>
      <ErrorBanner error={f.error ?? page.error} onClose={f.error ? f.clear : undefined} />
      {page.data && !entries.length && (
        <div class="empty">{prefix ? `No keys start with “${prefix}”.` : 'This map has no keys yet. Add one, or set one from a statement.'}</div>
      )}
      {entries.length > 0 && (
        <div class="table-wrap">
          <table class="grid map-keys" aria-label={`Keys of ${name}`}>
            <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col" aria-label="Actions" /></tr></thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.key} data-key={e.key}>
                  <td class="mono key-cell">{e.key}</td>
                  <td class="value-td"><div class="value-cell mono"><ValuePreview value={e.value} /></div></td>
                  <td class="row-actions">
                    <button type="button" class="link" aria-label={`Edit key ${e.key}`} onClick={() => setEditing({ key: e.key })}>Edit</button>
                    <button type="button" class="link danger" aria-label={`Delete key ${e.key}`} onClick={() => remove(e.key)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && (pages.index > 0 || page.data.next_cursor) && (
        <Pager index={pages.index} shown={entries.length} pageSize={PAGE_SIZE} hasNext={!!page.data.next_cursor} noun="Keys"
          total={prefix ? null : page.data.size} onPrev={pages.prev} onNext={() => page.data?.next_cursor && pages.next(page.data.next_cursor)} />
      )}
      {editing && (
        <KeyEditor id={id} name={name} editKey={editing.key} onClose={() => setEditing(null)}
          onSaved={() => { setEditing(null); page.reload(); onChanged(); }} />
      )}
    </div>
  );
}
