/**
 * How deeply a parsed driver line nests (PROTOCOL.md section 1). JSON.parse takes any depth,
 * but JSON.stringify and structuredClone recurse once per level: an output a statement's code
 * nested 200,000 levels deep (user code runs in the driver and can write any line) overflowed
 * the stack where the statement was stored, and took the server down.
 */

/** Whether `value` has containers nested more than `limit` levels deep; iterative, stops early. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length) {
    const v = stack.pop() as object;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const items = Array.isArray(v) ? v : Object.values(v);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item !== null && typeof item === 'object') {
        stack.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
