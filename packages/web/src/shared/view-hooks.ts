/** Hooks of the shared-data views: a debounced search, pages by cursor. */
import { useEffect, useState } from 'preact/hooks';

/** `value`, once it has stopped changing for `ms` (a search box's text, so each keystroke is not a request). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * Pages reached by cursors: the cursors that led to each page after the first, so "Previous"
 * can go back (the server only gives the next one). `scope` (a prefix, say) starts over at page 1.
 */
export function useCursorPages(scope: string) {
  const [state, setState] = useState<{ scope: string; cursors: string[] }>({ scope, cursors: [] });
  const cursors = state.scope === scope ? state.cursors : [];
  // Forget the old scope's pages too, or going back to it would land on the page left there.
  useEffect(() => { if (state.scope !== scope) setState({ scope, cursors: [] }); }, [scope]);
  return {
    index: cursors.length,
    cursor: cursors[cursors.length - 1] as string | undefined,
    next: (c: string) => setState({ scope, cursors: [...cursors, c] }),
    prev: () => setState({ scope, cursors: cursors.slice(0, -1) }),
  };
}
