/**
 * One key of a map in a dialog: read fresh from the server (the listed value may be stale),
 * edited as JSON, checked here before the PUT, so a typo gets a message instead of a request.
 */
import { sharedApi, SparkportError } from '@sparkport/client';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { useRestoreFocus } from '../hooks.ts';
import { Dialog, ErrorBanner, Field, Spinner } from '../ui/components.tsx';
import { parseJsonText, prettyJson } from './json-text.ts';
import { useFailure } from '../hooks.ts';

/** `key` to edit an existing key; none to add one. */
export function KeyEditor({ id, name, editKey, onClose, onSaved }: {
  id: string; name: string; editKey?: string; onClose(): void; onSaved(key: string): void;
}) {
  const { client } = useApp();
  const adding = editKey === undefined;
  const [key, setKey] = useState(editKey ?? '');
  const [text, setText] = useState<string | null>(adding ? '' : null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const f = useFailure();
  useRestoreFocus();
  const msgId = useId();
  const areaId = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (adding) return;
    let live = true;
    sharedApi.getSharedValue(client.settings, id, name, editKey).then(
      (v) => { if (live) setText(prettyJson(v)); },
      (e) => { if (live) f.fail(e); },
    );
    return () => { live = false; };
  }, [client, id, name, editKey]);

  // Focus lands on the value once it has arrived (the dialog focused its first control before).
  useEffect(() => { if (text !== null && !adding) area.current?.focus(); }, [text === null]);

  const save = async (e: Event) => {
    e.preventDefault();
    f.clear();
    const k = key;
    if (!k) { setInvalid(null); f.fail(new Error('Enter a key.')); return; }
    const parsed = parseJsonText(text ?? '');
    if (!parsed.ok) {
      setInvalid(parsed.message);
      area.current?.focus();
      return;
    }
    setInvalid(null);
    setBusy(true);
    try {
      if (adding && await exists(k) && !confirm(`Key “${k}” already exists in ${name}. Replace its value?`)) return;
      await sharedApi.setSharedValue(client.settings, id, name, k, parsed.value);
      onSaved(k);
    } catch (err) {
      f.fail(err);
    } finally {
      setBusy(false);
    }
  };

  /** Whether an added key would overwrite one (a missing map is fine: the first PUT creates it). */
  const exists = async (k: string) => {
    try {
      // The bulk read answers a missing key with `missing`, not a 404 in the console.
      return !(await sharedApi.getShared(client.settings, id, name, [k])).missing.includes(k);
    } catch (e) {
      if (e instanceof SparkportError && e.code === 'SHARED_NOT_FOUND') return false;
      throw e;
    }
  };

  const reformat = () => {
    const parsed = parseJsonText(text ?? '');
    if (parsed.ok) { setText(prettyJson(parsed.value)); setInvalid(null); } else setInvalid(parsed.message);
  };

  return (
    <Dialog open title={adding ? `Add a key to ${name}` : `Edit a value of ${name}`} onClose={onClose}>
      <form ref={form} class="key-editor" onSubmit={save}>
        {adding
          ? <Field label="Key"><input name="key" class="mono" value={key} required autoFocus onInput={(e) => setKey(e.currentTarget.value)} /></Field>
          : <p class="key-editor-key"><span class="muted">Key</span> <code>{editKey}</code></p>}
        {text === null && !f.error && <Spinner label="Reading the value" />}
        {text !== null && (
          <div class="field">
            <label class="field-label" for={areaId}>Value (JSON)</label>
            <textarea
              id={areaId}
              ref={area} name="value" class="code" rows={12} spellcheck={false} value={text}
              aria-invalid={invalid ? 'true' : undefined} aria-describedby={msgId} aria-keyshortcuts="Control+Enter"
              onInput={(e) => { setText(e.currentTarget.value); if (invalid) setInvalid(null); }}
              onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.current?.requestSubmit(); } }}
            />
            <span id={msgId} class={invalid ? 'json-invalid' : 'hint'} role={invalid ? 'alert' : undefined}>
              {invalid ?? 'Any JSON: "text", 42, true, null, [1, 2], {"a": 1}. Ctrl+Enter saves.'}
            </span>
          </div>
        )}
        <ErrorBanner error={f.error} onClose={f.clear} />
        <div class="actions">
          {text !== null && <button type="button" onClick={reformat}>Format JSON</button>}
          <span class="spacer" />
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy || text === null}>{busy ? 'Saving…' : 'Save value'}</button>
        </div>
      </form>
    </Dialog>
  );
}
