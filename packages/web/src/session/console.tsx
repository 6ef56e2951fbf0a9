/**
 * The console under the notebook: write a statement, pick its language, run it (Ctrl+Enter or
 * Cmd+Enter), follow its Spark progress and cancel it. The draft and language are kept per
 * session for the tab's life, so leaving for the log and coming back loses nothing.
 */
import { sessionMachine, type Session } from '@sparkport/client';
import { useEffect, useId, useImperativeHandle, useRef, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import { isUnauthorized } from '../api.ts';
import { useApp } from '../context.ts';
import { ErrorBanner, StateBadge } from '../ui/components.tsx';
import { CompletionList, useCompletion } from './completion.tsx';
import { LANGUAGES, defaultLanguage } from './kinds.ts';
import type { StatementStore } from './statement-store.ts';

export interface ConsoleHandle {
  /** Puts code in the editor (a statement of the history, to run again) and focuses it. */
  load(code: string): void;
}

const stored = (key: string) => { try { return sessionStorage.getItem(key); } catch { return null; } };
const store_ = (key: string, v: string) => { try { sessionStorage.setItem(key, v); } catch { /* private mode: not kept */ } };

export function Console({ id, store, session, onRun, handle }: {
  id: string;
  store: StatementStore;
  session: Session | undefined;
  onRun(sid: number): void;
  handle: Ref<ConsoleHandle>;
}) {
  const { unauthorized } = useApp();
  const uid = useId();
  const draftKey = `sparkport.console.${id}.code`, kindKey = `sparkport.console.${id}.kind`;
  const [code, setCode] = useState(() => stored(draftKey) ?? '');
  const [chosen, setChosen] = useState<string | null>(() => stored(kindKey));
  const kind = chosen ?? defaultLanguage(session?.kind);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const ta = useRef<HTMLTextAreaElement>(null);
  /** Escape was pressed: the next Tab leaves the editor instead of completing. */
  const released = useRef(false);

  useEffect(() => store_(draftKey, code), [draftKey, code]);
  useImperativeHandle(handle, () => ({
    load: (c: string) => { setCode(c); ta.current?.focus(); },
  }), []);

  const fail = (e: unknown) => {
    if (isUnauthorized(e)) unauthorized(e);
    setError(e);
  };
  const completion = useCompletion({ sessionId: id, kind, ta, onError: fail, announce: setMessage });

  const active = store.active();
  const live = active ? store.live.get(active.id) : undefined;
  const accepts = !session || sessionMachine.is(session.state, 'acceptsStatements');

  // Says when the statement being followed ends, for those who cannot see its badge change.
  const lastActive = useRef<number | undefined>(undefined);
  useEffect(() => {
    const prev = lastActive.current;
    lastActive.current = active?.id;
    const s = prev !== undefined && prev !== active?.id ? store.items[prev] : undefined;
    if (s) setMessage(`Statement ${s.id} ${s.output?.status === 'error' ? 'failed' : s.state}`);
  }, [active?.id]);

  const run = async () => {
    if (!code.trim() || submitting || !accepts) return;
    setSubmitting(true);
    setError(null);
    completion.close();
    try {
      const s = await store.submit(code, kind);
      setCode('');
      setMessage(`Statement ${s.id} ${s.state}`);
      onRun(s.id);
    } catch (e) {
      fail(e);
    } finally {
      setSubmitting(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (completion.onKeyDown(e)) return;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    } else if (e.key === 'Escape') {
      released.current = true;
    } else if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !released.current) {
      e.preventDefault();
      void completion.trigger();
    } else if (e.key !== 'Shift') {
      released.current = false;
    }
  };

  const lines = code.split('\n').length;
  return (
    <form class="console" aria-label="Console" onSubmit={(e) => { e.preventDefault(); void run(); }}>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div class="console-editor">
        <label class="sr-only" for={`${uid}-code`}>Code</label>
        <textarea
          ref={ta}
          id={`${uid}-code`}
          class="code console-code"
          rows={Math.min(12, Math.max(3, lines))}
          value={code}
          spellcheck={false}
          autocomplete="off"
          autocapitalize="off"
          placeholder={accepts ? `Write ${LANGUAGES.find((l) => l.kind === kind)?.label ?? ''} here; Ctrl+Enter runs it` : ''}
          aria-describedby={`${uid}-hint`}
          aria-autocomplete="list"
          aria-controls={completion.popup ? `${uid}-list` : undefined}
          aria-activedescendant={completion.popup ? `${uid}-list-${completion.popup.sel}` : undefined}
          onInput={(e) => { setCode(e.currentTarget.value); completion.onInput(); }}
          onKeyDown={onKeyDown}
          onBlur={() => { completion.close(); released.current = false; }}
          onClick={() => completion.close()}
        />
        {completion.popup && <CompletionList id={`${uid}-list`} popup={completion.popup} onPick={completion.pick} />}
      </div>
      <div class="console-bar">
        <label class="console-lang">
          <span>Language</span>
          <select value={kind} onChange={(e) => { setChosen(e.currentTarget.value); store_(kindKey, e.currentTarget.value); }}>
            {LANGUAGES.map((l) => <option key={l.kind} value={l.kind}>{l.label}</option>)}
          </select>
        </label>
        <span id={`${uid}-hint`} class="hint console-hint">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs · <kbd>Tab</kbd> completes · <kbd>Esc</kbd> then <kbd>Tab</kbd> leaves the editor
        </span>
        <span class="spacer" />
        {active && (
          <span class="console-status">
            <span>Statement {active.id}</span>
            <StateBadge kind="statement" state={active.state} />
            {active.state === 'waiting'
              ? <progress aria-label="Spark job progress" />
              : <progress aria-label="Spark job progress" max={1} value={live?.progress ?? active.progress} />}
            {active.state !== 'waiting' && <span class="muted console-pct">{Math.round((live?.progress ?? active.progress) * 100)}%</span>}
            <button type="button" class="danger" disabled={active.state === 'cancelling'} onClick={() => void store.cancel(active.id)}>Cancel</button>
          </span>
        )}
        <button type="submit" class="primary" disabled={submitting || !accepts || !code.trim()} aria-keyshortcuts="Control+Enter Meta+Enter">
          Run
        </button>
      </div>
      {!accepts && session && <p class="muted console-note">The session is {session.state}: it cannot run statements.</p>}
      <span class="sr-only" role="status" aria-live="polite">{message}</span>
    </form>
  );
}
