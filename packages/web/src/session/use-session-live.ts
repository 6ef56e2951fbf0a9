/**
 * One session, kept current by its event stream: a state change shows at once, and the session
 * is read again (its app id and Spark UI come when the driver is ready). Statement events go
 * to the notebook's store. A dropped stream is opened again after a growing pause; the stream
 * ends for good when the session does. It is closed while the page is hidden and opened again,
 * with a re-read of the session and its newest statements, when the page is shown.
 */
import { SparkportError, sessionMachine, type Session } from '@sparkport/client';
import { useEffect, useState } from 'preact/hooks';
import { isAbort, isUnauthorized } from '../api.ts';
import { useApp } from '../context.ts';
import { pageHidden, untilVisible, whileVisible } from '../visibility.ts';
import type { StatementStore } from './statement-store.ts';
import { sleep } from '../sleep.ts';

export interface SessionLive {
  session: Session | undefined;
  error: unknown;
  /** The event stream is down and being opened again. */
  reconnecting: boolean;
}

const ended = (state: string) => sessionMachine.is(state as never, 'finished');

export function useSessionLive(id: string, store: StatementStore): SessionLive {
  const { client, unauthorized } = useApp();
  const [live, setLive] = useState<SessionLive>({ session: undefined, error: null, reconnecting: false });

  useEffect(() => {
    const ac = new AbortController();
    const signal = ac.signal;
    setLive({ session: undefined, error: null, reconnecting: false });
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;

    const onError = (e: unknown) => {
      if (signal.aborted || isAbort(e)) return;
      if (isUnauthorized(e)) unauthorized(e);
      // Refused or gone (deleted, here or elsewhere): asking again will not help.
      if (e instanceof SparkportError && e.status < 500 && e.status !== 429) gone = true;
      setLive((l) => ({ ...l, error: e }));
    };
    const refresh = async () => {
      try {
        const session = await client.getSession(id);
        if (!signal.aborted) setLive((l) => ({ ...l, session, error: null }));
        return session;
      } catch (e) {
        onError(e);
        return undefined;
      }
    };
    const refreshSoon = () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 250);
    };

    (async () => {
      let pause = 500;
      let first: Session | undefined;
      /** Events may have been missed before the first connection (a failed read, a hidden page). */
      let behind = false;
      while (!(first = await refresh())) {
        if (signal.aborted || gone) return;
        behind = true;
        await sleep(pause);
        pause = Math.min(pause * 2, 10_000);
      }
      pause = 500;
      let lastState = first.state as string;
      for (let connects = 0; !signal.aborted && !gone && !ended(lastState); connects++) {
        // No stream while the page is hidden (see visibility.ts); the catch-up below reads what it missed.
        if (pageHidden()) { behind = true; await untilVisible(signal); }
        if (signal.aborted) break;
        const conn = whileVisible(signal);
        try {
          // Events missed while the stream was down: the store reads what changed.
          if (connects > 0 || behind) { void store.resync(); refreshSoon(); }
          for await (const ev of client.sessionEvents(id, conn.signal)) {
            if (ev.event === 'session') {
              const d = ev.data as { state: string };
              lastState = d.state;
              setLive((l) => ({ reconnecting: false, error: null, session: l.session && { ...l.session, state: d.state as Session['state'] } }));
              refreshSoon();
            } else if (ev.event === 'statement') {
              store.onSessionStatement(ev.data as { id: number; state: string });
            } else if (ev.event === 'dropped') {
              void store.resync();
            }
            pause = 500;
          }
        } catch (e) {
          if (!conn.hidden()) onError(e);
          if (gone) return;
        } finally {
          conn.release();
        }
        if (signal.aborted || ended(lastState)) break;
        // Closed because the page was hidden: not a failure, so no "Reconnecting…" and no pause.
        if (conn.hidden()) continue;
        setLive((l) => ({ ...l, reconnecting: true }));
        await sleep(pause);
        pause = Math.min(pause * 2, 10_000);
      }
      if (!signal.aborted && !gone) { await refresh(); await store.resync(); }
    })();
    return () => { ac.abort(); clearTimeout(refreshTimer); };
  }, [client, id, store]);

  return live;
}
