/** Dialogs that write to the session's shared data: save to files, load from files, start a map. */
import { sharedApi, type SharedItem } from '@sparkport/client';
import { SHARED_NAME_PATTERN } from '@sparkport/protocol';
import { useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { Dialog, ErrorBanner, Field } from '../ui/components.tsx';
import { parseJsonText } from './json-text.ts';
import { useAction, useRestoreFocus } from '../hooks.ts';

type Format = 'parquet' | 'json';
const NAME = new RegExp(SHARED_NAME_PATTERN);
const NAME_RULE = 'Letters, digits and _, not starting with a digit (SQL sees it as a view of that name).';
const PATH_HINT = "An absolute path inside the server's shared.allowedDirs, or a URI such as hdfs://… or s3a://…";

function FormatSelect({ value, onChange }: { value: Format; onChange(f: Format): void }) {
  return (
    <Field label="Format">
      <select name="format" value={value} onChange={(e) => onChange(e.currentTarget.value as Format)}>
        <option value="parquet">Parquet</option>
        <option value="json">JSON lines</option>
      </select>
    </Field>
  );
}

export function SaveDialog({ id, item, onClose, onSaved }: {
  id: string; item: SharedItem; onClose(): void; onSaved(r: { path: string; format: string; rows: number }): void;
}) {
  const { client } = useApp();
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<Format>('parquet');
  const [mode, setMode] = useState<'error' | 'overwrite'>('error');
  const f = useAction();
  useRestoreFocus();

  const submit = (e: Event) => {
    e.preventDefault();
    f.clear();
    void f.run(async () => {
      onSaved(await sharedApi.saveShared(client.settings, id, item.name, path.trim(), { format, mode }));
    });
  };

  return (
    <Dialog open title={`Save ${item.kind} ${item.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="Path" hint={PATH_HINT}>
          <input name="path" class="mono" required autoFocus value={path} placeholder="/data/shared/states" onInput={(e) => setPath(e.currentTarget.value)} />
        </Field>
        <FormatSelect value={format} onChange={setFormat} />
        <Field label="Mode" hint={item.kind === 'map' ? 'A map is saved as rows of key and value (the value as JSON text).' : undefined}>
          <select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as 'error' | 'overwrite')}>
            <option value="error">error: stop if something is there already</option>
            <option value="overwrite">overwrite: replace what is there</option>
          </select>
        </Field>
        <ErrorBanner error={f.error} onClose={f.clear} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={f.busy || !path.trim()}>{f.busy ? 'Saving…' : 'Save'}</button>
        </div>
      </form>
    </Dialog>
  );
}

export function LoadDialog({ id, onClose, onLoaded }: { id: string; onClose(): void; onLoaded(item: SharedItem): void }) {
  const { client } = useApp();
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<Format>('parquet');
  const [as, setAs] = useState<'dataset' | 'map'>('dataset');
  const [name, setName] = useState('');
  const f = useAction();
  useRestoreFocus();
  const badName = name !== '' && !NAME.test(name);

  const submit = (e: Event) => {
    e.preventDefault();
    f.clear();
    if (!NAME.test(name)) { f.fail(new Error(`“${name}” cannot be a name. ${NAME_RULE}`)); return; }
    void f.run(async () => {
      onLoaded(await sharedApi.loadShared(client.settings, id, name, path.trim(), { format, as }));
    });
  };

  return (
    <Dialog open title="Load shared data" onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="Path" hint={PATH_HINT}>
          <input name="path" class="mono" required autoFocus value={path} placeholder="/data/shared/states" onInput={(e) => setPath(e.currentTarget.value)} />
        </Field>
        <FormatSelect value={format} onChange={setFormat} />
        <Field label="Load as" hint={as === 'map' ? 'The files need key and value columns.' : 'A DataFrame: SQL sees it as a view of its name.'}>
          <select name="as" value={as} onChange={(e) => setAs(e.currentTarget.value as 'dataset' | 'map')}>
            <option value="dataset">Dataset</option>
            <option value="map">Map</option>
          </select>
        </Field>
        <Field label="Name" hint={NAME_RULE}>
          <input name="name" class="mono" required value={name} aria-invalid={badName ? 'true' : undefined} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <ErrorBanner error={f.error} onClose={f.clear} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={f.busy || !path.trim() || !name}>{f.busy ? 'Loading…' : 'Load'}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** A map is made by its first key: ask for both. */
export function NewMapDialog({ id, onClose, onCreated }: { id: string; onClose(): void; onCreated(name: string): void }) {
  const { client } = useApp();
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [text, setText] = useState('');
  const f = useAction();
  useRestoreFocus();

  const submit = (e: Event) => {
    e.preventDefault();
    f.clear();
    if (!NAME.test(name)) { f.fail(new Error(`“${name}” cannot be a name. ${NAME_RULE}`)); return; }
    const parsed = parseJsonText(text);
    if (!parsed.ok) { f.fail(new Error(parsed.message)); return; }
    void f.run(async () => {
      await sharedApi.putShared(client.settings, id, name, { [key]: parsed.value });
      onCreated(name);
    });
  };

  return (
    <Dialog open title="New map" onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="Map name" hint={NAME_RULE}>
          <input name="name" class="mono" required autoFocus value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="First key"><input name="key" class="mono" required value={key} onInput={(e) => setKey(e.currentTarget.value)} /></Field>
        <Field label="Its value (JSON)" hint='For example "Alaska", 42 or {"a": 1}'>
          <textarea name="value" class="code" rows={4} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <ErrorBanner error={f.error} onClose={f.clear} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={f.busy}>{f.busy ? 'Creating…' : 'Create map'}</button>
        </div>
      </form>
    </Dialog>
  );
}
