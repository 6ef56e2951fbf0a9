/** PLACEHOLDER: the batch list. */
export function BatchesPage() {
  return <p>Batches</p>;
}
