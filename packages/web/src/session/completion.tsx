/**
 * Tab completion for the console: the session's interpreter proposes names for the word before
 * the caret (`client.complete`); one is put in at once, several open a list picked with the
 * arrow keys and Enter. Candidates replace that word (after the last dot: `spark.ra` → `range(`).
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { useApp } from '../context.ts';
import { caretPoint } from './caret.ts';

interface Popup {
  all: string[];
  items: string[];
  sel: number;
  /** Where the word being completed starts in the code. */
  wordStart: number;
  top: number;
  left: number;
}

const WORD = /[A-Za-z_$][\w$]*$/;

export function useCompletion({ sessionId, kind, ta, onError, announce }: {
  sessionId: string;
  kind: string;
  ta: RefObject<HTMLTextAreaElement | null>;
  onError(e: unknown): void;
  announce(message: string): void;
}) {
  const { client } = useApp();
  const [popup, setPopup] = useState<Popup | null>(null);
  const seq = useRef(0);

  const insert = (text: string, start: number, end: number) => {
    const el = ta.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(start, end);
    // insertText keeps the browser's undo history; setRangeText (and an input event) where it is gone.
    if (!document.execCommand?.('insertText', false, text)) {
      el.setRangeText(text, start, end, 'end');
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  };

  const close = () => { seq.current++; setPopup(null); };

  /** Tab: complete the word before the caret, or indent where there is none. */
  const trigger = async () => {
    const el = ta.current;
    if (!el) return;
    const pos = el.selectionStart;
    const before = el.value.slice(0, pos);
    const word = WORD.exec(before)?.[0] ?? '';
    if (el.selectionEnd !== pos || (!word && !/[\w$)\]]\.$/.test(before))) {
      insert(kind === 'pyspark' ? '    ' : '  ', pos, el.selectionEnd);
      return;
    }
    const my = ++seq.current;
    const code = el.value;
    try {
      const { candidates } = await client.complete(sessionId, code, kind, pos);
      // Typed on meanwhile: the answer is for text that is no longer there.
      if (my !== seq.current || el.value !== code || el.selectionStart !== pos) return;
      const fitting = candidates.filter((c) => c.startsWith(word));
      const items = fitting.length ? fitting : candidates;
      if (!items.length) announce(word ? `No completions for ${word}` : 'No completions');
      else if (items.length === 1) insert(items[0]!, pos - word.length, pos);
      else {
        const at = caretPoint(el, pos - word.length);
        setPopup({ all: items, items, sel: 0, wordStart: pos - word.length, top: at.top, left: at.left });
        announce(`${items.length} completions; arrow keys to choose, Enter to insert, Escape to close`);
      }
    } catch (e) {
      if (my === seq.current) onError(e);
    }
  };

  const pick = (i: number) => {
    const el = ta.current;
    if (!popup || !el) return;
    const choice = popup.items[i];
    setPopup(null);
    if (choice !== undefined) insert(choice, popup.wordStart, el.selectionStart);
  };

  /** Keys while the list is open; true when the key was the list's. */
  const onKeyDown = (e: KeyboardEvent): boolean => {
    if (!popup || e.altKey || e.ctrlKey || e.metaKey) return false;
    const n = popup.items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const sel = (popup.sel + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      setPopup({ ...popup, sel });
    } else if (e.key === 'Enter' || (e.key === 'Tab' && !e.shiftKey)) {
      pick(popup.sel);
    } else if (e.key === 'Escape') {
      close();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  };

  /** Typing narrows the list to the names that still fit; anything else closes it. */
  const onInput = () => {
    const el = ta.current;
    if (!popup || !el) return;
    const typed = el.value.slice(popup.wordStart, el.selectionStart);
    const items = el.selectionStart >= popup.wordStart && /^[\w$]*$/.test(typed) ? popup.all.filter((c) => c.startsWith(typed)) : [];
    if (items.length) setPopup({ ...popup, items, sel: 0 });
    else close();
  };

  return { popup, trigger, pick, close, onKeyDown, onInput };
}

export function CompletionList({ id, popup, onPick }: { id: string; popup: Popup; onPick(i: number): void }) {
  const ref = useRef<HTMLUListElement>(null);
  useLayoutEffect(() => {
    // Keeps the chosen name in view inside the list (scrollIntoView would scroll the page too).
    const ul = ref.current;
    const li = ul?.children[popup.sel] as HTMLElement | undefined;
    if (!ul || !li) return;
    if (li.offsetTop < ul.scrollTop) ul.scrollTop = li.offsetTop;
    else if (li.offsetTop + li.offsetHeight > ul.scrollTop + ul.clientHeight) ul.scrollTop = li.offsetTop + li.offsetHeight - ul.clientHeight;
  }, [popup.sel, popup.items]);
  return (
    <ul
      ref={ref} id={id} role="listbox" aria-label="Completions" class="completions"
      style={{ left: `min(${Math.max(0, popup.left)}px, calc(100% - 300px))`, bottom: `calc(100% - ${Math.round(popup.top)}px + 2px)` }}
    >
      {popup.items.map((c, i) => (
        <li key={c} id={`${id}-${i}`} role="option" aria-selected={i === popup.sel}
          onMouseDown={(e) => { e.preventDefault(); onPick(i); }}>
          {c}
        </li>
      ))}
    </ul>
  );
}
