/** What form fields of several pages share: Spark configuration as key=value lines. */

/** `key=value` per line (blank lines and # comments skipped). */
export function parseConf(text: string): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`Spark configuration, line ${i + 1}: write it as key=value (for example spark.sql.shuffle.partitions=8)`);
    conf[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return conf;
}
