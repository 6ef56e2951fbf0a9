/**
 * The text rules of names, as JSON Schema patterns (ajv compiles them with the `u` flag and no
 * `m`, so `$` is the end of the value, never of a line). Each is anchored at both ends and says
 * which characters it allows rather than using `.`, which would let a line break through.
 */

/** A shared map's or dataset's name: one SQL can use as a view name. */
export const SHARED_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';

/** A session's or batch's name: anything printable (it shows up in logs, lists and URLs), no control characters. */
export const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';
