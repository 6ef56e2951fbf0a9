/** The small parts every page uses. */
import { batchMachine, sessionMachine, statementMachine } from '@sparkport/client';
import { cloneElement, isValidElement, type ComponentChildren, type JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { errorText } from '../api.ts';

type Tone = 'ok' | 'busy' | 'bad' | 'idle';

/** The colour of a state, from the lifecycle tables, not from lists of names. */
function toneOf(kind: 'session' | 'statement' | 'batch', state: string): Tone {
  if (kind === 'session') {
    if (!sessionMachine.is(state as never, 'live')) return state === 'success' ? 'idle' : 'bad';
    return sessionMachine.is(state as never, 'ready') ? 'ok' : 'busy';
  }
  if (kind === 'statement') {
    if (!statementMachine.is(state as never, 'finished')) return 'busy';
    return state === 'available' ? 'ok' : state === 'error' ? 'bad' : 'idle';
  }
  if (!batchMachine.is(state as never, 'finished')) return 'busy';
  return state === 'success' ? 'ok' : 'bad';
}

export function StateBadge({ kind, state }: { kind: 'session' | 'statement' | 'batch'; state: string }) {
  return <span class={`badge badge-${toneOf(kind, state)}`} data-state={state}>{state}</span>;
}

/** A failure shown where it happened, in the server's words; role=alert so screen readers say it. */
export function ErrorBanner({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <span>{errorText(error)}</span>
      {onClose && <button type="button" class="link" aria-label="Dismiss the error" onClick={onClose}>×</button>}
    </div>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span class="spinner" role="status" aria-label={label} />;
}

/** A modal dialog on the browser's own <dialog>: focus trapping and Escape come with it. */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose(): void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} onCancel={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

/** JSON as a tree: objects and arrays fold (open to depth 2), leaves keep JSON's spelling. */
export function JsonView({ value, depth = 0 }: { value: unknown; depth?: number }): JSX.Element {
  if (value === null || typeof value !== 'object') return <span class={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as object);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (!entries.length) return <span>{open}{close}</span>;
  return (
    <details class="json" open={depth < 2}>
      <summary>{open}{!Array.isArray(value) ? '' : ''}<span class="muted"> {entries.length} {Array.isArray(value) ? 'items' : 'keys'} </span></summary>
      <ul>
        {entries.map(([k, v]) => <li key={k}><span class="json-key">{Array.isArray(value) ? k : JSON.stringify(k)}</span>: <JsonView value={v} depth={depth + 1} /></li>)}
      </ul>
      <span>{close}</span>
    </details>
  );
}

/**
 * A labelled form field: the label names the control, and the hint, outside the label, describes
 * it (aria-describedby) without becoming part of its name.
 */
export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  const hintId = useId();
  const control = hint && isValidElement(children) ? cloneElement(children, { 'aria-describedby': hintId }) : children;
  return (
    <div class="field">
      <label class="field-inner">
        <span class="field-label">{label}</span>
        {control}
      </label>
      {hint && <span class="hint" id={hintId}>{hint}</span>}
    </div>
  );
}
