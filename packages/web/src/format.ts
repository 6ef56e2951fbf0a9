/** Times and sizes as people read them. */

/** 3 s, 4 min, 2 h 5 min, 3 d. */
export function span(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  // The server's clock may be a little ahead of the browser's: a moment ago, not "—".
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A statement's run time: 12 ms, 1.4 s, 2 min. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return span(ms);
}

export const clock = (ms: number) => (ms > 0 ? new Date(ms).toLocaleString() : '—');
