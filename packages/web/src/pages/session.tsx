/**
 * One session: its header (live state, links, delete), and three tabs: the notebook of its
 * statements with a console, the driver's log, and its shared data. The statements are kept
 * here, above the tabs, so a visit to the log does not lose the loaded history.
 */
import { SparkportError, type Session } from '@sparkport/client';
import { useEffect, useMemo } from 'preact/hooks';
import { useApp } from '../context.ts';
import { href } from '../router.ts';
import { LogTab } from '../session/log-tab.tsx';
import { Notebook } from '../session/notebook.tsx';
import { SessionHeader } from '../session/session-header.tsx';
import { StatementStore } from '../session/statement-store.ts';
import { useSessionLive } from '../session/use-session-live.ts';
import { SharedTab } from '../shared/shared-tab.tsx';
import { ErrorBanner } from '../ui/components.tsx';

type Tab = 'notebook' | 'log' | 'shared';

export function SessionPage({ id, tab, shared }: { id: string; tab: Tab; shared?: string }) {
  const { client, unauthorized } = useApp();
  const store = useMemo(() => new StatementStore(client, id, unauthorized), [client, id]);
  useEffect(() => {
    void store.resync();
    return () => store.dispose();
  }, [store]);
  const live = useSessionLive(id, store);

  if (!live.session && live.error instanceof SparkportError && live.error.status === 404) {
    return (
      <section class="session-page session-missing" aria-labelledby="session-title">
        <h1 id="session-title">Session {id}</h1>
        <ErrorBanner error={live.error} />
        <p class="muted">It may have been deleted, or ended long enough ago to be forgotten. <a href={href('sessions')}>Back to the session list</a></p>
      </section>
    );
  }

  const tabs: [Tab, string, string][] = [
    ['notebook', 'Notebook', href('sessions', id)],
    ['log', 'Log', href('sessions', id, 'log')],
    ['shared', 'Shared', href('sessions', id, 'shared')],
  ];

  return (
    <section class="session-page" aria-labelledby="session-title">
      <SessionHeader id={id} session={live.session} reconnecting={live.reconnecting} />
      <ErrorBanner error={live.error} />
      <nav class="tabs" aria-label="Session views">
        {tabs.map(([t, label, link]) => (
          <a key={t} href={link} aria-current={tab === t ? 'page' : undefined}>{label}</a>
        ))}
      </nav>
      <div class={`session-body session-body-${tab}`}>
        <TabBody id={id} tab={tab} shared={shared} store={store} session={live.session} />
      </div>
    </section>
  );
}

/**
 * The open tab, returned as this component's whole output rather than written inside the <div>
 * above: Preact keeps a child element in its parent's props, and once the Notebook (which
 * re-renders itself on every store change) has moved on, that first element still holds the
 * rows it rendered then, and through them rows of later renders. That kept every statement
 * ever shown alive (80 of 900 KB: all of them, after one scroll through), whatever the store let go.
 */
function TabBody({ id, tab, shared, store, session }: { id: string; tab: Tab; shared?: string; store: StatementStore; session: Session | undefined }) {
  if (tab === 'log') return <LogTab id={id} />;
  if (tab === 'shared') return <SharedTab id={id} name={shared} />;
  return <Notebook id={id} store={store} session={session} />;
}
