/** JSON typed by people: parsed with a message that says where and what, before anything is sent. */

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Line and column (1-based) of a character offset, as an editor counts them. */
function lineColumn(text: string, pos: number): [number, number] {
  const before = text.slice(0, pos).split('\n');
  return [before.length, before[before.length - 1]!.length + 1];
}

export function parseJsonText(text: string): Parsed {
  if (!text.trim()) {
    return { ok: false, message: 'Enter a JSON value: text in double quotes ("Alaska"), a number (42), true, false, null, an array ([1, 2]) or an object ({"a": 1}).' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const raw = (e as Error).message;
    const pos = /position (\d+)/.exec(raw);
    // V8 echoes the whole input ('…, "{"a":…" is not valid JSON') and its own location; both go, ours comes back in words.
    let what = raw.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    if (pos) {
      const [line, col] = lineColumn(text, Number(pos[1]));
      what += ` (line ${line}, column ${col})`;
    }
    const t = text.trim();
    // A bare word or sentence is the usual mistake: the user meant a string.
    const hint = /^[{["\-0-9]|^(true|false|null)\b/.test(t) ? '' : ` To store text, put it in double quotes: ${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t)}.`;
    return { ok: false, message: `This is not valid JSON: ${what}.${hint}` };
  }
}

/** A value as the editor shows it: indented, so a nested object reads as one. */
export const prettyJson = (v: unknown) => JSON.stringify(v, null, 2) ?? '';
