/** Code kinds. Livy accepts aliases and reports the canonical name. */
export const CANONICAL_KINDS = ['pyspark', 'spark', 'sql', 'sparkr'] as const;
export type CodeKind = (typeof CANONICAL_KINDS)[number];
export type SessionKind = CodeKind | 'shared';

const ALIASES: Record<string, CodeKind | 'shared'> = {
  pyspark: 'pyspark',
  python: 'pyspark',
  spark: 'spark',
  scala: 'spark',
  sql: 'sql',
  sparkr: 'sparkr',
  r: 'sparkr',
  shared: 'shared',
};

/** Canonical kind for a name or alias, or undefined when it is not a kind at all. */
export function normaliseKind(name: string): CodeKind | 'shared' | undefined {
  return ALIASES[name.toLowerCase()];
}

/** Kinds this server can run statements in today. */
export const RUNNABLE_KINDS: readonly CodeKind[] = ['pyspark', 'sql', 'spark'];
