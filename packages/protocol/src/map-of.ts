/**
 * A JSON object used as a map, whose keys are data. TypeBox's Record declares its keys by a
 * pattern (`^(.*)$`) that no key with a line break matches, and the response serialiser drops
 * every key its schema does not allow: a shared-map key "a\nb" vanished from answers. This
 * allows any key. At run time it is a plain TypeBox object (so TypeBox's compiler checks it);
 * its static type is the record.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

export function MapOf<T extends TSchema>(value: T, keys?: { minLength?: number; pattern?: string }, size?: { maxProperties: number }): TUnsafe<Record<string, Static<T>>> {
  const schema = Type.Object({}, {
    additionalProperties: value,
    ...size,
    ...(keys ? { propertyNames: { type: 'string', ...keys } } : {}),
  });
  return schema as unknown as TUnsafe<Record<string, Static<T>>>;
}
