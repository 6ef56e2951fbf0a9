/** A dataset's columns from the Spark schema the server sends (`df.schema.json()`). */

export interface Column { name: string; type: string; nullable: boolean }

/** Spark's JSON type → the short form Spark prints (`array<string>`, `map<string,bigint>`, `struct<a:int>`). */
export function typeText(t: unknown, depth = 0): string {
  if (typeof t === 'string') return t;
  // Nested past any real schema: a hostile one would overflow the stack.
  if (!t || typeof t !== 'object' || depth > 50) return '?';
  const o = t as Record<string, unknown>;
  switch (o.type) {
    case 'array': return `array<${typeText(o.elementType, depth + 1)}>`;
    case 'map': return `map<${typeText(o.keyType, depth + 1)},${typeText(o.valueType, depth + 1)}>`;
    case 'struct': return `struct<${columnsOf(o, depth + 1).map((c) => `${c.name}:${c.type}`).join(',')}>`;
    case 'udt': return typeof o.class === 'string' ? o.class.split('.').pop()! : 'udt';
    default: return typeof o.type === 'string' ? o.type : '?';
  }
}

/** The fields of a struct schema; a field that is not an object is left out. */
export function columnsOf(schema: unknown, depth = 0): Column[] {
  const fields = (schema as { fields?: unknown } | null | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields
    .filter((f): f is { name?: unknown; type?: unknown; nullable?: unknown } => typeof f === 'object' && f !== null)
    .map((f) => ({
      name: typeof f.name === 'string' ? f.name : String(f.name ?? ''),
      type: typeText(f.type, depth),
      nullable: f.nullable !== false,
    }));
}
