/**
 * One batch kept current: its details and its log, read together every second until it ends.
 * The log is read whole (the server keeps at most batches.logLines lines), and each read adds
 * only the lines the last one did not have; the page keeps what the server has since dropped.
 * Nothing is read while the page is hidden (see visibility.ts); the first read once it is shown
 * catches up.
 */
import { addedLines, batchEnded, splitLivyLog, SparkportError, type Batch } from '@sparkport/client';
import { useEffect, useState } from 'preact/hooks';
import { isAbort, isUnauthorized } from '../api.ts';
import { useApp } from '../context.ts';
import { untilVisible } from '../visibility.ts';
import { sleep } from '../sleep.ts';

export interface LogChunk { id: number; lines: string[]; gap?: boolean }

/** Past this many lines the oldest go from the page (the DOM gets slow; the server kept fewer anyway). */
const MAX_LINES = 50_000;
const INTERVAL_MS = 1000;


export function useBatchFollow(id: string) {
  const { client, unauthorized } = useApp();
  const [batch, setBatch] = useState<Batch | null>(null);
  const [chunks, setChunks] = useState<LogChunk[]>([]);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    let seq = 0;
    const seen: [string[], string[]] = [[], []];
    setBatch(null);
    setError(null);
    setChunks([]);
    setDropped(0);
    setGone(false);
    (async () => {
      let pause = INTERVAL_MS;
      while (!ac.signal.aborted) {
        await untilVisible(ac.signal);
        if (ac.signal.aborted) return;
        try {
          // State first, then the log: a batch seen ended has all its lines in the read that follows.
          const b = await client.getBatch(id);
          const log = await client.batchLog(id, 0, -1);
          if (ac.signal.aborted) return;
          const sections = splitLivyLog(log.log);
          const fresh: LogChunk[] = [];
          for (const i of [0, 1] as const) {
            const { added, gap } = addedLines(seen[i], sections[i]);
            seen[i] = sections[i];
            if (added.length) fresh.push({ id: seq++, lines: added, gap });
          }
          setBatch(b);
          setError(null);
          if (fresh.length) {
            setChunks((old) => {
              let all = [...old, ...fresh];
              let total = all.reduce((n, c) => n + c.lines.length, 0);
              let cut = 0;
              while (total > MAX_LINES && all.length > 1) { total -= all[0]!.lines.length; cut += all[0]!.lines.length; all = all.slice(1); }
              if (cut) setDropped((d) => d + cut);
              return all;
            });
          }
          if (batchEnded(b.state)) return;
          pause = INTERVAL_MS;
        } catch (e) {
          if (ac.signal.aborted || isAbort(e)) return;
          if (isUnauthorized(e)) return unauthorized(e);
          setError(e);
          // Deleted (here or elsewhere): nothing more will come.
          if (e instanceof SparkportError && e.status === 404) { setGone(true); return; }
          pause = Math.min(pause * 2, 10_000);
        }
        await sleep(pause, ac.signal);
      }
    })();
    return () => ac.abort();
  }, [client, id]);

  return { batch, chunks, dropped, error, gone };
}
