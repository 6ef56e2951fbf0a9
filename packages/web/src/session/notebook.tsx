/**
 * The notebook: every statement of the session, oldest first, newest at the bottom above the
 * console. Only the rows in view are in the page (thousands of statements, each with output,
 * would not be); rows are measured as they render and pages of statements load as they come
 * into view. At the bottom, the list follows new statements and growing output.
 */
import type { Session, Statement } from '@sparkport/client';
import { defaultRangeExtractor, type Range } from '@tanstack/virtual-core';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ErrorBanner, Spinner } from '../ui/components.tsx';
import { Console, type ConsoleHandle } from './console.tsx';
import { StatementCell } from './statement-cell.tsx';
import type { StatementStore } from './statement-store.ts';
import { useVirtualizer } from './use-virtualizer.ts';

const guesses = new WeakMap<Statement, number>();

/** A guess at a row's height before it is measured: fewer jumps when scrolling into unmeasured rows. */
function estimate(store: StatementStore, i: number): number {
  const s = store.items[i];
  if (!s) return 120;
  let h = guesses.get(s);
  if (h === undefined) guesses.set(s, (h = guess(s)));
  return h;
}

function guess(s: Statement): number {
  const codeLines = Math.min(40, String(s.code).split('\n').length);
  const out = s.output;
  let outH = 0;
  if (out?.status === 'error') outH = 200;
  else if (out) {
    // Read by the list outside any error boundary: an output of the wrong shape must not throw here.
    const d = typeof out.data === 'object' && out.data !== null ? out.data : {};
    if ('image/png' in d) outH = 380;
    else if ('application/vnd.livy.table.v1+json' in d || 'application/json' in d) outH = 260;
    else if (typeof d['text/plain'] === 'string') outH = Math.min(420, 12 + 18 * (d['text/plain'].split('\n').length));
  }
  return 64 + codeLines * 19 + outH;
}

function useStoreVersion(store: StatementStore) {
  const [, setV] = useState(0);
  useEffect(() => store.subscribe(() => setV(store.version)), [store]);
}

export function Notebook({ id, store, session }: { id: string; store: StatementStore; session: Session | undefined }) {
  useStoreVersion(store);
  const scrollRef = useRef<HTMLDivElement>(null);
  const consoleRef = useRef<ConsoleHandle>(null);
  /** The row holding the focus stays rendered when scrolled away, or the focus would drop to the page. */
  const focused = useRef<number | null>(null);

  const v = useVirtualizer<HTMLDivElement, HTMLElement>({
    count: store.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => estimate(store, i),
    overscan: 3,
    gap: 12,
    paddingStart: 12,
    paddingEnd: 12,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 24,
    rangeExtractor: (r: Range) => {
      const ix = defaultRangeExtractor(r);
      const f = focused.current;
      return f !== null && f < r.count && !ix.includes(f) ? [...ix, f].sort((a, b) => a - b) : ix;
    },
  });
  const rows = v.getVirtualItems();

  // Opened at the newest statement, once the history's length is known.
  const opened = useRef(false);
  useLayoutEffect(() => {
    if (opened.current || !store.ready) return;
    opened.current = true;
    if (store.count) v.scrollToEnd();
  }, [store.ready]);

  // Pages load for the rows that stay in view a moment: not for those a fling or a drag of the
  // scrollbar passes over, nor for the top rows shown for a frame before the list opens at the end.
  // The store also lets go of the statements far from them (it keeps a bounded window).
  const inView = rows.map((r) => r.index).join(',');
  useEffect(() => {
    if (!store.ready || !inView) return;
    const t = setTimeout(() => store.viewing(inView.split(',').map(Number)), 120);
    return () => clearTimeout(t);
  }, [store, store.ready, inView, store.count, store.retries]);

  // A statement just run from the console: show it, wherever one had scrolled to.
  const [runId, setRunId] = useState<number | null>(null);
  useLayoutEffect(() => {
    if (runId === null || runId >= store.count) return;
    if (runId === store.count - 1) v.scrollToEnd();
    else v.scrollToIndex(runId, { align: 'end' });
    setRunId(null);
  }, [runId, store.count]);

  const onReuse = useCallback((code: string) => consoleRef.current?.load(code), []);
  const measure = v.measureElement as (el: HTMLElement | null) => void;

  /** The feed pattern's keys: Page Down/Up go from statement to statement, Ctrl+End to the console. */
  const onFeedKey = (e: KeyboardEvent) => {
    const art = (e.target as HTMLElement).closest?.('article[data-index]') as HTMLElement | null;
    if (!art || art !== e.target) return;
    const i = Number(art.dataset.index);
    if (e.key === 'PageDown' || e.key === 'PageUp') {
      const next = i + (e.key === 'PageDown' ? 1 : -1);
      if (next < 0 || next >= store.count) return;
      e.preventDefault();
      focused.current = next;
      v.scrollToIndex(next, { align: 'auto' });
      const row = () => scrollRef.current?.querySelector<HTMLElement>(`article[data-index="${next}"]`);
      // A row out of view is rendered on a later frame.
      const now = row();
      if (now) now.focus({ preventScroll: true });
      else requestAnimationFrame(() => requestAnimationFrame(() => row()?.focus({ preventScroll: true })));
    } else if (e.key === 'End' && e.ctrlKey) {
      e.preventDefault();
      scrollRef.current?.closest('.nb')?.querySelector<HTMLTextAreaElement>('textarea')?.focus();
    }
  };

  return (
    <div class="nb">
      <ErrorBanner error={store.error} onClose={() => store.clearError()} />
      <div
        class="nb-scroll" ref={scrollRef}
        onFocusIn={(e) => {
          const art = (e.target as HTMLElement).closest?.('article[data-index]') as HTMLElement | null;
          focused.current = art ? Number(art.dataset.index) : null;
        }}
        onFocusOut={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) focused.current = null;
        }}
      >
        {!store.ready && !store.error && <div class="empty"><Spinner label="Loading statements" /></div>}
        {store.ready && store.count === 0 && (
          <div class="empty nb-empty">No statements yet. Write one below and press <kbd>Ctrl</kbd>+<kbd>Enter</kbd>.</div>
        )}
        <div
          role="feed" aria-label="Statements" aria-busy={!store.ready}
          class="nb-feed" style={{ height: `${v.getTotalSize()}px` }} onKeyDown={onFeedKey}
        >
          {rows.map((r) => {
            const live = store.live.get(r.index);
            return (
              <StatementCell
                key={r.key}
                index={r.index}
                start={r.start}
                size={store.items[r.index] ? 0 : r.size /* only a placeholder uses it: no re-render per measure */}
                count={store.count}
                statement={store.items[r.index]}
                liveText={live?.text ?? ''}
                liveProgress={live?.progress}
                liveSkipped={live?.skipped ?? 0}
                printed={store.printed.get(r.index)}
                measure={measure}
                onReuse={onReuse}
              />
            );
          })}
        </div>
      </div>
      <Console id={id} store={store} session={session} handle={consoleRef} onRun={setRunId} />
    </div>
  );
}
