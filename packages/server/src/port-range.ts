/** A `low-high` port range setting (driver.portRange, connect.portRange), read one way for all. */
export interface PortRange { low: number; high: number }

export function parsePortRange(text: string, setting: string): PortRange {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const low = Number(m?.[1]), high = Number(m?.[2]);
  if (!m || low < 1 || high > 65535 || low > high) throw new Error(`${setting} must be low-high, e.g. 20000-20010, got '${text}'`);
  return { low, high };
}
