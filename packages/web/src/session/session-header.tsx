/** The session's name, live state, facts and links, and the button that ends it. */
import { sessionMachine, type Session } from '@sparkport/client';
import { useAction } from '../hooks.ts';
import { useApp } from '../context.ts';
import { clock } from '../format.ts';
import { href } from '../router.ts';
import { ErrorBanner, StateBadge } from '../ui/components.tsx';
import { kindLabel } from './kinds.ts';

export function SessionHeader({ id, session, reconnecting }: { id: string; session: Session | undefined; reconnecting: boolean }) {
  const { client } = useApp();
  const { error, clear, busy: deleting, run } = useAction();
  const shownId = session?.id ?? id;

  const remove = async () => {
    const what = `session ${shownId}${session?.name ? ` (${session.name})` : ''}`;
    if (!confirm(`Delete ${what}? Its driver stops and its statements are gone.`)) return;
    await run(async () => {
      await client.deleteSession(id);
      location.hash = href('sessions');
    });
  };

  const stop = async () => {
    if (!confirm(`Stop session ${shownId}? Its driver stops; the session and its statements stay listed.`)) return;
    await run(() => client.stopSession(id));
  };

  const live = session ? sessionMachine.is(session.state, 'live') : true;
  // Once ended, the session's last log line says why (the server adds it).
  const why = session && !live ? session.log.filter((l) => l.trim() && l !== 'stdout: ' && l !== '\nstderr: ').at(-1) : undefined;

  return (
    <header class="sess-head">
      <div class="sess-title">
        <h1 id="session-title">
          Session {shownId}
          {session?.name && <>{' '}<span class="sess-name">{session.name}</span></>}
        </h1>
        {session && <span aria-live="polite" aria-atomic="true"><StateBadge kind="session" state={session.state} /></span>}
        {reconnecting && <span class="muted sess-reconnect" role="status">Reconnecting…</span>}
        <span class="spacer" />
        {session?.appInfo.sparkUiUrl && live && (
          <a class="button" href={session.appInfo.sparkUiUrl} target="_blank" rel="noopener noreferrer">
            Spark UI <span aria-hidden="true">↗</span><span class="sr-only"> (opens in a new tab)</span>
          </a>
        )}
        {live && <button type="button" onClick={stop} aria-label={`Stop session ${shownId}`}>Stop</button>}
        <button type="button" class="danger" disabled={deleting} onClick={remove} aria-label={`Delete session ${shownId}`}>
          {deleting ? 'Deleting…' : 'Delete'}
        </button>
      </div>
      {session && (
        <dl class="sess-meta">
          <div><dt>Kind</dt><dd>{kindLabel(session.kind)} <span class="muted mono">{session.kind}</span></dd></div>
          <div><dt>Owner</dt><dd>{session.owner ?? <span class="muted">—</span>}{session.proxyUser ? ` (as ${session.proxyUser})` : ''}</dd></div>
          <div><dt>App id</dt><dd class="mono">{session.appId ?? <span class="muted">—</span>}</dd></div>
          <div><dt>Created</dt><dd>{clock(session.createdAt)}</dd></div>
          <div><dt>Statements</dt><dd>{session.statementCount}</dd></div>
        </dl>
      )}
      {why && <p class="sess-why muted">{why}</p>}
      <ErrorBanner error={error} onClose={clear} />
    </header>
  );
}
