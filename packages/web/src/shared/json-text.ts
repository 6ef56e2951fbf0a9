/** JSON typed by people: parsed with a message that says where and what, before anything is sent. */

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

class Bad { constructor(readonly pos: number, readonly what: string) {} }

/**
 * Where JSON.parse fails, and why, in words: browsers' own messages differ, often give no
 * position, and echo the input back. Null when the text is JSON.
 */
export function jsonError(t: string): Bad | null {
  let i = 0;
  const found = () => (i >= t.length ? 'the end of the text' : t[i] === '\n' ? 'a line break' : `“${t[i]}”`);
  const fail = (what: string): never => { throw new Bad(i, what); };
  const ws = () => { while (i < t.length && ' \t\n\r'.includes(t[i]!)) i++; };
  const string = () => {
    i++;
    while (i < t.length) {
      const c = t[i]!;
      if (c === '"') { i++; return; }
      if (c === '\\') {
        const e = t[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(e) && e) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) i += 6;
        else fail(`“\\${e}” is not an escape JSON knows`);
      } else if (c < ' ') fail('a line break or tab inside a string (write \\n or \\t)');
      else i++;
    }
    fail('a string that is never closed (a missing ")');
  };
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{') {
      i++; ws();
      if (t[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (t[i] !== '"') fail(t[i] === "'" ? 'keys take double quotes, not single ones' : `expected a key in double quotes, found ${found()}`);
        string(); ws();
        if (t[i] !== ':') fail(`expected “:” after the key, found ${found()}`);
        i++; value(); ws();
        if (t[i] === ',') { i++; ws(); if (t[i] === '}') fail('a comma before “}” (JSON allows no trailing comma)'); continue; }
        if (t[i] === '}') { i++; return; }
        fail(`expected “,” or “}”, found ${found()}`);
      }
    }
    if (c === '[') {
      i++; ws();
      if (t[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (t[i] === ',') { i++; ws(); if (t[i] === ']') fail('a comma before “]” (JSON allows no trailing comma)'); continue; }
        if (t[i] === ']') { i++; return; }
        fail(`expected “,” or “]”, found ${found()}`);
      }
    }
    if (c === '"') return string();
    if (c === "'") fail('text takes double quotes, not single ones');
    NUMBER.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && NUMBER.test(t)) { i = NUMBER.lastIndex; return; }
    for (const w of ['true', 'false', 'null']) if (t.startsWith(w, i)) { i += w.length; return; }
    fail(`expected a value, found ${found()}`);
  };
  try {
    value(); ws();
    if (i < t.length) fail(`${found()} after the end of the value`);
    return null;
  } catch (e) {
    if (e instanceof Bad) return e;
    throw e;
  }
}

/** Line and column (1-based) of a character offset, as an editor counts them. */
function lineColumn(text: string, pos: number): [number, number] {
  const before = text.slice(0, pos).split('\n');
  return [before.length, before[before.length - 1]!.length + 1];
}

export function parseJsonText(text: string): Parsed {
  if (!text.trim()) {
    return { ok: false, message: 'Enter a JSON value: text in double quotes ("Alaska"), a number (42), true, false, null, an array ([1, 2]) or an object ({"a": 1}).' };
  }
  const bad = jsonError(text);
  if (!bad) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      return { ok: false, message: `This is not valid JSON: ${(e as Error).message}` };
    }
  }
  const [line, col] = lineColumn(text, bad.pos);
  const t = text.trim();
  // A bare word or sentence is the usual mistake: the user meant a string.
  const hint = /^[{["'\-0-9]|^(true|false|null)\b/.test(t) ? '' : ` To store text, put it in double quotes: ${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t)}.`;
  return { ok: false, message: `This is not valid JSON. Line ${line}, column ${col}: ${bad.what}.${hint}` };
}

/** A value as the editor shows it: indented, so a nested object reads as one. */
export const prettyJson = (v: unknown) => JSON.stringify(v, null, 2) ?? '';
