/** One statement of the notebook: its code, state, run time, live output while it runs, then its output. */
import type { Statement } from '@sparkport/client';
import { Component } from 'preact';
import { duration } from '../format.ts';
import { useNow } from '../hooks.ts';
import { ErrorBoundary, StateBadge } from '../ui/components.tsx';
import { OutputView } from './output-view.tsx';
import { isOpen } from './statement-store.ts';

export interface CellProps {
  index: number;
  /** Where the list placed it (px from the top). */
  start: number;
  /** The row's last known height: a statement let go to save memory keeps its place while it is read again. */
  size: number;
  count: number;
  statement: Statement | undefined;
  liveText: string;
  liveProgress: number | undefined;
  liveSkipped: number;
  /** Printed before it failed (streamed here; an error output does not hold it). */
  printed: string | undefined;
  measure(el: HTMLElement | null): void;
  onReuse(code: string): void;
}

/** Re-rendered only when one of its props changes: the list re-renders on every streamed line. */
export class StatementCell extends Component<CellProps> {
  shouldComponentUpdate(next: CellProps) {
    for (const k in next) if (next[k as keyof CellProps] !== this.props[k as keyof CellProps]) return true;
    return false;
  }
  render(p: CellProps) { return <Cell {...p} />; }
}

function Cell({ index, start, size, count, statement: s, liveText, liveProgress, liveSkipped, printed, measure, onReuse }: CellProps) {
  const common = {
    ref: measure,
    'data-index': index,
    'data-statement': index,
    'aria-label': `Statement ${index}`,
    'aria-posinset': index + 1,
    'aria-setsize': count,
    tabIndex: 0,
    style: { transform: `translateY(${start}px)` },
  };
  if (!s) {
    return (
      <article {...common} style={{ ...common.style, minHeight: `${size}px` }} class="cell cell-loading" aria-busy="true">
        <div class="cell-head"><span class="cell-count">[{index}]</span><span class="muted">Loading…</span></div>
      </article>
    );
  }
  const open = isOpen(s.state);
  const count_ = s.output?.execution_count ?? s.id;
  return (
    <article {...common} class={`cell cell-${s.state}`} aria-busy={open ? 'true' : undefined}>
      <div class="cell-head">
        <span class="cell-count" aria-hidden="true">[{count_}]</span>
        <StateBadge kind="statement" state={s.state} />
        <Timing s={s} />
        <span class="spacer" />
        <button type="button" class="link cell-reuse" aria-label={`Copy statement ${s.id} to the console`} title="Copy to the console" onClick={() => onReuse(s.code)}>
          Reuse
        </button>
      </div>
      <pre class="cell-code"><code>{s.code}</code></pre>
      {open && s.state !== 'waiting' && liveProgress !== undefined && (
        <div class="cell-progress">
          <progress max={1} value={liveProgress} aria-label={`Statement ${s.id} progress`} />
          <span class="muted">{Math.round(liveProgress * 100)}%</span>
        </div>
      )}
      {open && liveText && <pre class="out-text out-live">{liveText}</pre>}
      {open && liveSkipped > 0 && <p class="muted">{liveSkipped} output events were left out (the page read too slowly).</p>}
      {!open && printed && <pre class="out-text out-printed" aria-label="Printed before it ended">{printed}</pre>}
      {s.output && (
        // One output that cannot be drawn must not blank the notebook: it says why, the rest render.
        <ErrorBoundary what="output" raw={s.output} resetKey={s.output}>
          <OutputView output={s.output} sid={s.id} />
        </ErrorBoundary>
      )}
      {!s.output && s.state === 'cancelled' && <p class="muted out-none">Cancelled before it ran.</p>}
    </article>
  );
}

function Timing({ s }: { s: Statement }) {
  if (s.state === 'waiting') return <span class="muted">queued</span>;
  if (s.completed > 0 && s.started > 0) {
    return <span class="muted cell-time" title={`Started ${new Date(s.started).toLocaleString()}`}>{duration(s.completed - s.started)}</span>;
  }
  return s.started > 0 && isOpen(s.state) ? <Elapsed since={s.started} /> : null;
}

function Elapsed({ since }: { since: number }) {
  const now = useNow(1000);
  return <span class="muted cell-time">{duration(Math.max(0, now - since))}</span>;
}
