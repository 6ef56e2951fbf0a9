/**
 * Whether the page is shown. Browsers allow six HTTP/1.1 connections per host, shared by every
 * tab: each session tab holds an event stream and each list tab a long poll, so six tabs in the
 * background would leave a seventh unable to load anything. Long-lived connections therefore
 * close while their page is hidden, and open again (reading what they missed) once it is shown.
 */
import { useEffect, useState } from 'preact/hooks';

export const pageHidden = () => document.visibilityState === 'hidden';

/** True while the page is shown; the component re-renders when it is hidden or shown again. */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => !pageHidden());
  useEffect(() => {
    const on = () => setVisible(!pageHidden());
    on(); // it may have changed between the render and the effect
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

/** Resolves once the page is shown (at once if it is), or when `signal` aborts. */
export function untilVisible(signal?: AbortSignal): Promise<void> {
  if (!pageHidden() || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pageHidden() && !signal?.aborted) return;
      document.removeEventListener('visibilitychange', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    document.addEventListener('visibilitychange', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A signal for one connection: it aborts when `parent` does or when the page is hidden.
 * `hidden()` tells the two apart afterwards (a hidden page is no failure to report or back off
 * from); `release()` stops listening once the connection is over.
 */
export function whileVisible(parent: AbortSignal): { signal: AbortSignal; hidden(): boolean; release(): void } {
  const ac = new AbortController();
  let hid = false;
  const onParent = () => ac.abort(parent.reason);
  const onVisibility = () => { if (pageHidden()) { hid = true; ac.abort(); } };
  if (parent.aborted) ac.abort(parent.reason);
  else if (pageHidden()) { hid = true; ac.abort(); }
  parent.addEventListener('abort', onParent, { once: true });
  document.addEventListener('visibilitychange', onVisibility);
  return {
    signal: ac.signal,
    hidden: () => hid && !parent.aborted,
    release: () => {
      parent.removeEventListener('abort', onParent);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
