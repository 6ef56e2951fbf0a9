/** PLACEHOLDER: a session's shared maps and datasets. */
export function SharedTab({ id }: { id: string; name?: string }) {
  return <p>Shared data of session {id}</p>;
}
