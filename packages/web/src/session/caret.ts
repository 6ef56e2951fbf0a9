/** Where the caret of a textarea is drawn, for a popup beside it (the browser does not say). */

const COPIED = [
  'boxSizing', 'width', 'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth',
  'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'fontStyle', 'fontVariant', 'fontWeight',
  'fontStretch', 'fontSize', 'lineHeight', 'fontFamily', 'textAlign', 'textTransform', 'textIndent',
  'letterSpacing', 'wordSpacing', 'tabSize', 'whiteSpace', 'overflowWrap', 'wordBreak',
] as const;

/** The caret's top-left within the textarea's box, scrolling included, and the line height. */
export function caretPoint(ta: HTMLTextAreaElement, pos: number): { top: number; left: number; lineHeight: number } {
  // A copy of the textarea's text box laid out the same way; a span marks where the caret falls.
  const css = getComputedStyle(ta);
  const mirror = document.createElement('div');
  for (const p of COPIED) mirror.style[p] = css[p];
  Object.assign(mirror.style, { position: 'absolute', visibility: 'hidden', top: '0', left: '-9999px', height: 'auto', overflow: 'hidden' });
  if (css.whiteSpace === 'normal' || !css.whiteSpace) mirror.style.whiteSpace = 'pre-wrap';
  mirror.textContent = ta.value.slice(0, pos);
  const mark = document.createElement('span');
  mark.textContent = ta.value.slice(pos, pos + 1) || '.';
  mirror.append(mark);
  document.body.append(mirror);
  const lineHeight = parseFloat(css.lineHeight) || parseFloat(css.fontSize) * 1.4;
  const point = { top: mark.offsetTop - ta.scrollTop, left: mark.offsetLeft - ta.scrollLeft, lineHeight };
  mirror.remove();
  return point;
}
