/**
 * How deeply JSON text nests. JSON.parse copes with any depth, but what comes after it (schema
 * checks, JSON.stringify, structuredClone, the driver's parser) recurses once per level, and
 * 100,000 levels overflow its stack. Request bodies (http/json-body.ts) and driver lines
 * (driver/connection.ts) are both checked with this one pass.
 */

/** Whether JSON text nests deeper than `limit` arrays and objects: one pass, strings skipped. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
