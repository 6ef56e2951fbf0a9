/** An object or array on one line, whole on request: fifty rows of open trees would not scan. */
import { JsonView } from '../ui/components.tsx';

const PREVIEW_CHARS = 300;

/** `{ "a": 1, "b": [ 1, 2 ] }`: JSON with spaces where its line breaks would be, cut short for long values. */
function preview(v: unknown): string {
  const s = JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ');
  return s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS)}…` : s;
}

export function ValuePreview({ value }: { value: unknown }) {
  if (value === null || typeof value !== 'object' || !Object.keys(value).length) return <JsonView value={value} />;
  return (
    <details class="value-more">
      <summary><span class="value-preview">{preview(value)}</span></summary>
      <div class="value-tree"><JsonView value={value} /></div>
    </details>
  );
}
