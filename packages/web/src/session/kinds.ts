/** The languages a statement may be written in, as the console offers them. */
import { normaliseKind } from '@sparkport/protocol';

export const LANGUAGES = [
  { kind: 'pyspark', label: 'Python' },
  { kind: 'spark', label: 'Scala' },
  { kind: 'sql', label: 'SQL' },
] as const;

export const kindLabel = (kind: string) =>
  kind === 'shared' ? 'Shared (any language)' : LANGUAGES.find((l) => l.kind === normaliseKind(kind))?.label ?? kind;

/** The console's first choice: the session's kind, or Python in a shared session (which has none). */
export function defaultLanguage(sessionKind: string | undefined): string {
  const k = sessionKind ? normaliseKind(sessionKind) : undefined;
  return LANGUAGES.some((l) => l.kind === k) ? k! : 'pyspark';
}
