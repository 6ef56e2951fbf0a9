/** Every session at a glance, kept current by long polls; create one, delete one. */
import type { CreateSessionRequest, Session } from '@sparkport/client';
import { RUNNABLE_KINDS } from '@sparkport/protocol';
import { useState } from 'preact/hooks';
import { useApp } from '../context.ts';
import { parseConf } from '../forms.ts';
import { span } from '../format.ts';
import { useAction, useLiveList, useNow, useShortcut } from '../hooks.ts';
import { href } from '../router.ts';
import { kindLabel } from '../session/kinds.ts';
import { Dialog, ErrorBanner, Field, Spinner, StateBadge } from '../ui/components.tsx';


export function SessionsPage() {
  const live = useLiveList((c, o) => c.watchSessions({ ...o, size: 1000, waitSeconds: 25 }));
  const [creating, setCreating] = useState(false);
  const { error, clear, run } = useAction();
  const now = useNow();
  const { client } = useApp();
  const sessions = live.data?.sessions ?? [];
  useShortcut('n', () => setCreating(true));

  const remove = async (s: Session) => {
    if (!confirm(`Delete session ${s.id}${s.name ? ` (${s.name})` : ''}? Its driver stops and its statements are gone.`)) return;
    await run(() => client.deleteSession(s.id));
  };

  return (
    <section aria-labelledby="sessions-title">
      <div class="toolbar">
        <h1 id="sessions-title" style="margin:0">Sessions</h1>
        <span class="muted" aria-live="polite">{live.data ? `${live.data.total} in all` : ''}</span>
        <span class="spacer" />
        <button type="button" class="primary" onClick={() => setCreating(true)} aria-keyshortcuts="n" title="New session (n)">New session</button>
      </div>
      <ErrorBanner error={error ?? live.error} onClose={error ? clear : undefined} />
      {!live.data && !live.error && <Spinner label="Loading sessions" />}
      {live.data && !sessions.length && <div class="empty card">No sessions yet. Create one to run Python, Scala or SQL on Spark.</div>}
      {sessions.length > 0 && (
        <div class="table-wrap" style="max-height:none">
          <table class="grid" aria-label="Sessions">
            <thead>
              <tr>
                <th scope="col">Id</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Kind</th><th scope="col">Owner</th>
                <th scope="col">App id</th><th scope="col">Spark UI</th><th scope="col">Age</th><th scope="col">Idle</th>
                <th scope="col" class="num">Statements</th><th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-session={s.id}>
                  <td><a href={href('sessions', s.id)}>{s.id}</a></td>
                  <td>{s.name ? <a href={href('sessions', s.id)}>{s.name}</a> : <span class="muted">—</span>}</td>
                  <td><StateBadge kind="session" state={s.state} /></td>
                  <td>{kindLabel(s.kind)}</td>
                  <td>{s.owner ?? <span class="muted">—</span>}</td>
                  <td class="mono">{s.appId ?? <span class="muted">—</span>}</td>
                  <td>{s.appInfo.sparkUiUrl ? <a href={s.appInfo.sparkUiUrl} target="_blank" rel="noopener noreferrer">Spark UI</a> : <span class="muted">—</span>}</td>
                  <td title={new Date(s.createdAt).toLocaleString()}>{span(now - s.createdAt)}</td>
                  <td>{span(now - s.lastActivity)}</td>
                  <td class="num">{s.statementCount}</td>
                  <td><button type="button" class="link danger" aria-label={`Delete session ${s.id}`} onClick={() => remove(s)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateSession open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function CreateSession({ open, onClose }: { open: boolean; onClose(): void }) {
  const { client } = useApp();
  const [kind, setKind] = useState('pyspark');
  const [name, setName] = useState('');
  const [memory, setMemory] = useState('');
  const [conf, setConf] = useState('');
  const { busy, error, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const body: CreateSessionRequest = { kind };
      if (name.trim()) body.name = name.trim();
      if (memory.trim()) body.driverMemory = memory.trim();
      const c = parseConf(conf);
      if (Object.keys(c).length) body.conf = c;
      const s = await client.createSession(body);
      onClose();
      setName('');
      location.hash = href('sessions', s.id);
    });
  };

  return (
    <Dialog open={open} title="New session" onClose={onClose}>
      <form onSubmit={submit}>
        <Field label="Kind" hint="The default language of its statements; every session runs all three">
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {RUNNABLE_KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)} ({k})</option>)}
          </select>
        </Field>
        <Field label="Name" hint="Optional; unique among live sessions"><input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <Field label="Driver memory" hint="For example 1g; empty for the server's default">
          <input name="driverMemory" value={memory} placeholder="1g" onInput={(e) => setMemory(e.currentTarget.value)} />
        </Field>
        <Field label="Spark configuration" hint="One key=value per line">
          <textarea name="conf" class="code" rows={3} value={conf} placeholder="spark.sql.shuffle.partitions=8" onInput={(e) => setConf(e.currentTarget.value)} />
        </Field>
        <ErrorBanner error={error} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
        </div>
      </form>
    </Dialog>
  );
}
