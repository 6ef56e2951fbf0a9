/** Loading, live lists and clocks, as hooks, each cancelling its work when its view goes. */
import type { SparkportClient, Watched } from '@sparkport/client';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, isUnauthorized } from './api.ts';
import { useApp } from './context.ts';
import { sleep } from './sleep.ts';
import { usePageVisible } from './visibility.ts';

export interface Loaded<T> { data: T | undefined; error: unknown; loading: boolean; reload(): void }

/** Runs `load` when `deps` change (and on reload); a 401 goes to the login. */
export function useLoad<T>(load: (c: SparkportClient, signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const { client, unauthorized } = useApp();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(client, ac.signal).then(
      (data) => { if (!ac.signal.aborted) setState({ data, error: null, loading: false }); },
      (error) => {
        if (ac.signal.aborted || isAbort(error)) return;
        if (isUnauthorized(error)) unauthorized(error);
        setState((s) => ({ ...s, error, loading: false }));
      },
    );
    return () => ac.abort();
  }, [client, tick, ...deps]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

const MIN_GAP_MS = 1000;


/**
 * A list kept current by long polls (GET /sessions or /batches with If-None-Match and ?wait):
 * the page as soon as it changes, no polling loop of its own. After a failure it retries with
 * a growing pause, showing the error meanwhile.
 */
export function useLiveList<T>(watch: (c: SparkportClient, o: { etag: string | null; signal: AbortSignal }) => Promise<Watched<T>>, deps: unknown[] = []) {
  const { client, unauthorized } = useApp();
  const [state, setState] = useState<{ data: T | undefined; error: unknown }>({ data: undefined, error: null });
  const [tick, setTick] = useState(0);
  // A hidden tab holds no connection: browsers allow six per server, shared by all its tabs.
  const visible = usePageVisible();
  useEffect(() => {
    if (!visible) return;
    const ac = new AbortController();
    (async () => {
      let etag: string | null = null;
      let pause = 500;
      let last = 0;
      while (!ac.signal.aborted) {
        try {
          // At most one answer a second: a busy server's list changes all the time, and a proxy
          // that drops or weakens the ETag would otherwise make this a loop without pause.
          await sleep(MIN_GAP_MS - (Date.now() - last), ac.signal);
          if (ac.signal.aborted) return;
          last = Date.now();
          const w = await watch(client, { etag, signal: ac.signal });
          if (w.page !== null) setState({ data: w.page, error: null });
          etag = w.etag;
          pause = 500;
        } catch (e) {
          if (ac.signal.aborted || isAbort(e)) return;
          if (isUnauthorized(e)) return unauthorized(e);
          setState((s) => ({ ...s, error: e }));
          await sleep(pause, ac.signal);
          pause = Math.min(pause * 2, 10_000);
          etag = null;
        }
      }
    })();
    return () => ac.abort();
  }, [client, tick, visible, ...deps]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** The current time, re-read every `ms` (for ages and idle times that count up). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** A value that survives renders without causing them (the latest callback, say). */
export function useLatest<T>(v: T) {
  const r = useRef(v);
  r.current = v;
  return r;
}

/**
 * Focus goes back where it was when the component goes: for a dialog mounted only while open,
 * which is removed before the browser's own <dialog> could restore focus to its opener.
 */
export function useRestoreFocus() {
  // Read while rendering, before the dialog's showModal moves focus into it.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => () => { if (opener?.isConnected) opener.focus(); }, []);
}

/** The failure of the last action, to show in an ErrorBanner; a 401 also opens the login. */
export function useFailure() {
  const { unauthorized } = useApp();
  const [error, setError] = useState<unknown>(null);
  const fail = useCallback((e: unknown) => {
    if (isUnauthorized(e)) unauthorized(e);
    setError(e);
  }, [unauthorized]);
  const clear = useCallback(() => setError(null), []);
  return { error, fail, clear };
}

/** A user's action (a submit, a delete): busy while it runs, its failure kept to show. */
export function useAction() {
  const { error, fail, clear } = useFailure();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    clear();
    setBusy(true);
    try {
      return await fn();
    } catch (e) {
      fail(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [fail, clear]);
  return { error, fail, clear, busy, run };
}

/**
 * A one-key shortcut for the page (`n` for new): not while typing in a field, and not with a
 * modifier, which belongs to the browser.
 */
export function useShortcut(key: string, run: () => void): void {
  const latest = useLatest(run);
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.key !== key || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.closest('dialog[open]'))) return;
      e.preventDefault();
      latest.current();
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, [key]);
}
