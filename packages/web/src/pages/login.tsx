/** The login the server asks for: its 401 names Basic (a user and password) and/or Bearer (a token or JWT). */
import type { Credentials } from '@sparkport/client';
import { useState } from 'preact/hooks';
import { loginKinds } from '../api.ts';
import { Field } from '../ui/components.tsx';

/** `failed`: the last credentials were refused, and `message` is the server's word on it. */
export function LoginForm({ challenge, message, failed, user: lastUser, onSubmit }: {
  challenge: string | null; message: string; failed: boolean; user: string; onSubmit(c: Credentials): void;
}) {
  const kinds = loginKinds(challenge);
  const [mode, setMode] = useState<'basic' | 'bearer'>(kinds.basic ? 'basic' : 'bearer');
  const [user, setUser] = useState(lastUser);
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  return (
    <section class="login card" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      {failed ? <div class="error" role="alert">{message}</div> : <p class="muted" role="status">{message}</p>}
      {kinds.basic && kinds.bearer && (
        <div class="segmented" role="radiogroup" aria-label="How to sign in">
          <button type="button" role="radio" aria-checked={mode === 'basic'} onClick={() => setMode('basic')}>User and password</button>
          <button type="button" role="radio" aria-checked={mode === 'bearer'} onClick={() => setMode('bearer')}>Token</button>
        </div>
      )}
      <form onSubmit={(e) => { e.preventDefault(); onSubmit(mode === 'basic' ? { user, password } : { token: token.trim() }); }}>
        {mode === 'basic' ? (
          <>
            <Field label="User"><input name="user" autoComplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} autoFocus={!lastUser} /></Field>
            <Field label="Password"><input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoFocus={!!lastUser} /></Field>
          </>
        ) : (
          <Field label="Token" hint="An API token or a JWT"><input name="token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus /></Field>
        )}
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>
  );
}
