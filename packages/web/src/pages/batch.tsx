/** PLACEHOLDER: one batch and its live log. */
export function BatchPage({ id }: { id: string }) {
  return <p>Batch {id}</p>;
}
