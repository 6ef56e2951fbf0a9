/** A dataset's columns from the Spark schema the server sends (`df.schema.json()`). */

export interface Column { name: string; type: string; nullable: boolean }

/** Spark's JSON type → the short form Spark prints (`array<string>`, `map<string,bigint>`, `struct<a:int>`). */
export function typeText(t: unknown): string {
  if (typeof t === 'string') return t;
  if (!t || typeof t !== 'object') return '?';
  const o = t as Record<string, unknown>;
  switch (o.type) {
    case 'array': return `array<${typeText(o.elementType)}>`;
    case 'map': return `map<${typeText(o.keyType)},${typeText(o.valueType)}>`;
    case 'struct': return `struct<${columnsOf(o).map((c) => `${c.name}:${c.type}`).join(',')}>`;
    case 'udt': return typeof o.class === 'string' ? o.class.split('.').pop()! : 'udt';
    default: return typeof o.type === 'string' ? o.type : '?';
  }
}

export function columnsOf(schema: unknown): Column[] {
  const fields = (schema as { fields?: unknown } | null | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.map((f: { name?: unknown; type?: unknown; nullable?: unknown }) => ({
    name: String(f.name ?? ''),
    type: typeText(f.type),
    nullable: f.nullable !== false,
  }));
}
