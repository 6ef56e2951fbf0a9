/** The shell: header, login when the server asks for one, and the page the hash names. */
import type { Credentials } from '@sparkport/client';
import { useMemo, useState } from 'preact/hooks';
import { loadCredentials, makeClient, saveCredentials } from './api.ts';
import { Ctx, type AppContext } from './context.ts';
import { BatchPage } from './pages/batch.tsx';
import { BatchesPage } from './pages/batches.tsx';
import { LoginForm } from './pages/login.tsx';
import { SessionPage } from './pages/session.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { useRoute } from './router.ts';
import { useTheme } from './theme.ts';
import { ErrorBoundary } from './ui/components.tsx';

export function App() {
  const [creds, setCreds] = useState<Credentials | null>(loadCredentials);
  const [login, setLogin] = useState<{ challenge: string | null; message: string; failed: boolean; user: string } | null>(null);
  const [theme, toggleTheme] = useTheme();
  const route = useRoute();
  const client = useMemo(() => makeClient(creds), [creds]);
  const ctx = useMemo<AppContext>(() => ({
    client,
    unauthorized: (e) => {
      const err = e as { challenge?: string | null; message?: string };
      // Credentials the server refused are forgotten: the form says why and asks again.
      if (creds) { saveCredentials(null); setCreds(null); }
      setLogin({ challenge: err.challenge ?? null, message: err.message ?? 'Please sign in', failed: creds !== null, user: creds && 'user' in creds ? creds.user : '' });
    },
  }), [client, creds]);

  const signIn = (c: Credentials) => { saveCredentials(c); setCreds(c); setLogin(null); };
  const signOut = () => { saveCredentials(null); setCreds(null); };
  const user = creds ? ('user' in creds ? creds.user : 'token') : null;

  return (
    <Ctx.Provider value={ctx}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="#/sessions" aria-label="Sparkport home"><img src="favicon.svg" alt="" width="22" height="22" /> Sparkport</a>
        <nav aria-label="Main">
          <a href="#/sessions" aria-current={route.page.startsWith('session') ? 'page' : undefined}>Sessions</a>
          <a href="#/batches" aria-current={route.page.startsWith('batch') ? 'page' : undefined}>Batches</a>
        </nav>
        <span class="spacer" />
        {user && <span class="muted" title="Signed in">{user}</span>}
        {user && <button type="button" class="link" onClick={signOut}>Sign out</button>}
        <button type="button" class="icon" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Theme">
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {login ? <LoginForm {...login} onSubmit={signIn} /> : <Page route={route} />}
      </main>
    </Ctx.Provider>
  );
}

/** The page the hash names; one that fails to render says why, and the header still works (going elsewhere tries again). */
function Page({ route }: { route: ReturnType<typeof useRoute> }) {
  return (
    <ErrorBoundary what="page" resetKey={JSON.stringify(route)}>
      <RoutePage route={route} />
    </ErrorBoundary>
  );
}

function RoutePage({ route }: { route: ReturnType<typeof useRoute> }) {
  switch (route.page) {
    case 'sessions': return <SessionsPage />;
    case 'session': return <SessionPage id={route.id} tab={route.tab} shared={route.shared} />;
    case 'batches': return <BatchesPage />;
    case 'batch': return <BatchPage id={route.id} />;
  }
}
