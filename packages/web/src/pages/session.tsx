/**
 * One session: its header (live state, links, delete), and three tabs: the notebook of its
 * statements with a console, the driver's log, and its shared data. The statements are kept
 * here, above the tabs, so a visit to the log does not lose the loaded history.
 */
import { SparkportError } from '@sparkport/client';
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
        {tab === 'notebook' && <Notebook id={id} store={store} session={live.session} />}
        {tab === 'log' && <LogTab id={id} />}
        {tab === 'shared' && <SharedTab id={id} name={shared} />}
      </div>
    </section>
  );
}
