/** An object or array on one line, whole on request: fifty rows of open trees would not scan. */
import { useState } from 'preact/hooks';
import { ErrorBoundary, JsonView, jsonText } from '../ui/components.tsx';

const PREVIEW_CHARS = 300;

/** `{ "a": 1, "b": [ 1, 2 ] }`: JSON with spaces where its line breaks would be, cut short for long values. */
function preview(v: unknown): string {
  // The line breaks are replaced in a cut, not in the whole of a megabyte value.
  const s = jsonText(v, PREVIEW_CHARS * 4, 1).replace(/\n\s*/g, ' ');
  return s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS)}…` : s;
}

/** A value of a map or a dataset's cell: one that cannot be drawn says why, in its cell only. */
export function ValuePreview({ value }: { value: unknown }) {
  return (
    <ErrorBoundary what="value" raw={value} resetKey={value}>
      <Preview value={value} />
    </ErrorBoundary>
  );
}

function Preview({ value }: { value: unknown }) {
  const [open, setOpen] = useState(false);
  if (value === null || typeof value !== 'object' || !Object.keys(value).length) return <JsonView value={value} />;
  return (
    <details class="value-more" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary><span class="value-preview">{preview(value)}</span></summary>
      {/* The tree is built when opened: fifty closed rows cost fifty lines of text. */}
      {open && <div class="value-tree"><JsonView value={value} /></div>}
    </details>
  );
}
