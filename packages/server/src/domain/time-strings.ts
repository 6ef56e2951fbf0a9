/**
 * Livy's time strings: an integer with an optional unit; a bare number is milliseconds.
 */
const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimeString(value: string): number | undefined {
  const m = /^\s*(\d+)\s*(us|ms|s|m|min|h|d)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase();
  return Math.floor(Number(m[1]) * UNITS[unit]!);
}
