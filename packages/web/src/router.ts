/**
 * Hash routes (#/sessions/3): every page is /ui/, so the server serves one file and a reload or
 * a shared link lands on the same view.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'sessions' }
  | { page: 'session'; id: string; tab: 'notebook' | 'log' | 'shared'; shared?: string }
  | { page: 'batches' }
  | { page: 'batch'; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'batches') return parts[1] ? { page: 'batch', id: parts[1] } : { page: 'batches' };
  if (parts[0] === 'sessions' && parts[1]) {
    const tab = parts[2] === 'log' || parts[2] === 'shared' ? parts[2] : 'notebook';
    return { page: 'session', id: parts[1], tab, ...(tab === 'shared' && parts[3] ? { shared: parts[3] } : {}) };
  }
  return { page: 'sessions' };
}

/** The href of a route, each part escaped. */
export const href = (...parts: (string | number)[]) => `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
