/**
 * A live log: lines appended in chunks (a chunk, once drawn, is not drawn again), kept scrolled
 * to the newest line unless the reader has scrolled up to read; then a button brings them back.
 */
import { Component } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogChunk } from './use-batch-follow.ts';

/** Spark's and Python's ways of saying something went wrong, and the server's closing line. */
function lineClass(line: string): string | undefined {
  if (/^batch (success|dead|killed):/.test(line)) return 'log-end';
  if (/\b(ERROR|FATAL|Traceback|Exception|Error:)\b/.test(line)) return 'log-err';
  if (/\bWARN(ING)?\b/.test(line)) return 'log-warn';
  return undefined;
}

class Chunk extends Component<{ chunk: LogChunk }> {
  shouldComponentUpdate(next: { chunk: LogChunk }) { return next.chunk !== this.props.chunk; }
  render() {
    const { chunk } = this.props;
    return (
      <>
        {chunk.gap && <div class="log-gap">… lines the server no longer keeps were missed here …</div>}
        {chunk.lines.map((l, i) => <div key={i} class={lineClass(l)}>{l || '\u00a0'}</div>)}
      </>
    );
  }
}

export function LogView({ chunks, dropped, label, empty }: { chunks: LogChunk[]; dropped: number; label: string; empty: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [behind, setBehind] = useState(false);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
    else if (chunks.length) setBehind(true);
  }, [chunks]);

  const onScroll = () => {
    const el = ref.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (stick.current) setBehind(false);
  };

  const toEnd = () => {
    const el = ref.current!;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
    setBehind(false);
  };

  return (
    <div class="log-wrap">
      <div ref={ref} class="log batch-log" role="log" aria-label={label} tabIndex={0} onScroll={onScroll}>
        {dropped > 0 && <div class="log-gap">{dropped.toLocaleString()} earlier lines are no longer shown</div>}
        {chunks.length ? chunks.map((c) => <Chunk key={c.id} chunk={c} />) : <div class="muted">{empty}</div>}
      </div>
      {behind && <button type="button" class="log-jump" onClick={toEnd}>Jump to the newest line <span aria-hidden="true">↓</span></button>}
    </div>
  );
}
