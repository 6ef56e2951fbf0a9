/**
 * The tail of the driver's log, read again every 2 s while the tab is open (and the page
 * visible). It stays at the bottom as lines come, unless one has scrolled up to read.
 */
import type { LogBody } from '@sparkport/client';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isAbort, isUnauthorized } from '../api.ts';
import { useApp } from '../context.ts';
import { ErrorBanner, Spinner } from '../ui/components.tsx';
import { pageHidden } from '../visibility.ts';

const LINES = 500;
const EVERY_MS = 2000;

/** Livy's layout marks where each stream starts with these two lines. */
const MARKS: Record<string, string> = { 'stdout: ': 'stdout', '\nstderr: ': 'stderr' };

export function LogTab({ id }: { id: string }) {
  const { client, unauthorized } = useApp();
  const [log, setLog] = useState<LogBody | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [atEnd, setAtEnd] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** A read is under way: one loop only, however often the page is shown. */
    let reading = false;
    const tick = async () => {
      if (reading || stopped) return;
      clearTimeout(timer);
      if (!pageHidden()) {
        reading = true;
        try {
          const l = await client.sessionLog(id, undefined, LINES);
          if (stopped) return;
          setLog(l);
          setError(null);
        } catch (e) {
          if (stopped || isAbort(e)) return;
          if (isUnauthorized(e)) return unauthorized(e);
          setError(e);
        } finally {
          reading = false;
        }
      }
      if (!stopped) timer = setTimeout(tick, EVERY_MS);
    };
    void tick();
    // Shown again: read at once rather than at the next tick (up to 2 s of a stale log).
    const onShow = () => { if (!pageHidden() && !stopped) void tick(); };
    document.addEventListener('visibilitychange', onShow);
    return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', onShow); };
  }, [client, id]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [log]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    setAtEnd(stick.current);
  };
  const toEnd = () => {
    const el = box.current;
    if (!el) return;
    stick.current = true;
    setAtEnd(true);
    el.scrollTop = el.scrollHeight;
  };

  return (
    <section class="logtab" aria-label="Driver log">
      <ErrorBanner error={error} />
      <div class="toolbar logtab-bar">
        <span class="muted" aria-live="off">
          {log ? (log.total ? `Lines ${log.from + 1}–${log.from + log.log.length} of ${log.total}` : 'The log is empty') : ''}
          {' · '}refreshed every 2 s
        </span>
        <span class="spacer" />
        {!atEnd && <button type="button" onClick={toEnd}>Jump to the newest lines</button>}
      </div>
      {!log && !error && <Spinner label="Loading the log" />}
      {log && (
        <div ref={box} class="log logtab-lines" role="log" aria-live="off" aria-label="Driver log lines" tabIndex={0} onScroll={onScroll}>
          {segments(log.log).map((seg, i) =>
            typeof seg === 'string' ? <span key={i}>{seg}</span> : <div key={i} class="log-mark">{seg.mark}</div>,
          )}
        </div>
      )}
    </section>
  );
}

/** Runs of plain lines as one text each (500 nodes become a few), stream marks between them. */
function segments(lines: string[]): (string | { mark: string })[] {
  const out: (string | { mark: string })[] = [];
  let run: string[] = [];
  const flush = () => { if (run.length) out.push(`${run.join('\n')}\n`); run = []; };
  for (const line of lines) {
    const mark = MARKS[line];
    if (mark) { flush(); out.push({ mark }); } else run.push(line);
  }
  flush();
  return out;
}
