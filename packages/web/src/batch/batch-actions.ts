/** Kill and delete, asked first: both end a running job for good. */
import type { Batch, SparkportClient } from '@sparkport/client';

const label = (b: Pick<Batch, 'id' | 'name'>) => `batch ${b.id}${b.name ? ` (${b.name})` : ''}`;

/** True when it was asked to stop; false when the user thought better of it. */
export async function killBatch(client: SparkportClient, b: Pick<Batch, 'id' | 'name'>): Promise<boolean> {
  if (!confirm(`Kill ${label(b)}? Spark stops it; it stays listed as killed, with its log.`)) return false;
  await client.stopBatch(b.id);
  return true;
}

export async function deleteBatch(client: SparkportClient, b: Pick<Batch, 'id' | 'name'>): Promise<boolean> {
  if (!confirm(`Delete ${label(b)}? A running batch is killed, and its state and log are forgotten.`)) return false;
  await client.deleteBatch(b.id);
  return true;
}
