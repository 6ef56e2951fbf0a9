/** PLACEHOLDER: the session page (notebook, console, log, shared data). */
export function SessionPage({ id }: { id: string; tab: 'notebook' | 'log' | 'shared'; shared?: string }) {
  return <p>Session {id}</p>;
}
