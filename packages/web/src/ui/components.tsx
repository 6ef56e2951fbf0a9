/** The small parts every page uses. */
import { batchMachine, sessionMachine, statementMachine } from '@sparkport/client';
import { Component, cloneElement, isValidElement, type ComponentChildren, type JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
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

/** Characters of raw JSON shown where a tree or table cannot be (a fallback, a too-deep branch). */
const RAW_MAX = 20_000;

/** `value` as JSON text, cut at `max` characters; never throws (too deep for JSON.stringify, say). */
export function jsonText(value: unknown, max = RAW_MAX, indent?: number): string {
  let s: string;
  try {
    s = JSON.stringify(value, null, indent) ?? String(value);
  } catch (e) {
    return `(cannot be written as JSON: ${e instanceof Error ? e.message : String(e)})`;
  }
  return s.length > max ? `${s.slice(0, max)}… (${(s.length - max).toLocaleString()} more characters)` : s;
}

/**
 * Keeps a failure to render one part (an output, a value, a page) from taking the whole page
 * with it: Preact unmounts the tree on an uncaught render error, so one hostile output (JSON
 * nested too deep, a table of nulls) once left the notebook blank for every statement after it.
 * Shows why instead, with the raw value when there is one. A new `resetKey` tries again.
 */
export class ErrorBoundary extends Component<
  { children: ComponentChildren; what?: string; raw?: unknown; resetKey?: unknown },
  { error: unknown }
> {
  state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) { return { error }; }
  componentDidCatch(error: unknown) { console.error(error); }
  componentDidUpdate(prev: { resetKey?: unknown }) {
    if (this.state.error !== null && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }
  render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    const { what = 'output', raw } = this.props;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return (
      <div class="render-failed">
        <p>This {what} could not be shown: {message}</p>
        {raw !== undefined && <pre class="out-text" aria-label={`The ${what} as JSON`}>{jsonText(raw, RAW_MAX, 1)}</pre>}
        {raw === undefined && <button type="button" onClick={() => this.setState({ error: null })}>Try again</button>}
      </div>
    );
  }
}

/** Objects and arrays deeper than this show as JSON text: a tree 500 deep overflowed the stack. */
const TREE_DEPTH = 200;
/** Levels open at first; deeper ones open on a click (their children render only then). */
const OPEN_DEPTH = 2;

/** JSON as a tree: objects and arrays fold (open to depth 2), leaves keep JSON's spelling. */
export function JsonView({ value, depth = 0 }: { value: unknown; depth?: number }): JSX.Element {
  if (value === null || typeof value !== 'object') return <span class={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value) ?? String(value)}</span>;
  if (depth >= TREE_DEPTH) return <span class="json-deep" title="Nested too deep to show as a tree">{jsonText(value)}</span>;
  return <JsonBranch value={value} depth={depth} />;
}

/** An object or array: closed, just its summary; open, its entries (so a closed branch costs nothing). */
function JsonBranch({ value, depth }: { value: object; depth: number }) {
  const [open, setOpen] = useState(depth < OPEN_DEPTH);
  const isArray = Array.isArray(value);
  const [first, last] = isArray ? ['[', ']'] : ['{', '}'];
  const size = isArray ? value.length : Object.keys(value).length;
  if (!size) return <span>{first}{last}</span>;
  return (
    <details class="json" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{first}<span class="muted"> {size} {isArray ? 'items' : 'keys'} </span></summary>
      {open && (
        <>
          <ul>
            {(isArray ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)).map(([k, v]) => (
              <li key={k}><span class="json-key">{isArray ? k : JSON.stringify(k)}</span>: <JsonView value={v} depth={depth + 1} /></li>
            ))}
          </ul>
          <span>{last}</span>
        </>
      )}
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
