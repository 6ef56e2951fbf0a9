/** Previous / next page buttons with where we are, for cursor-paged keys and rows. */
export function Pager({ index, shown, pageSize, hasNext, noun, onPrev, onNext, total }: {
  index: number; shown: number; pageSize: number; hasNext: boolean; noun: string; total?: number | null;
  onPrev(): void; onNext(): void;
}) {
  const first = index * pageSize + 1;
  const where = shown ? `${noun} ${first}–${first + shown - 1}${total != null ? ` of ${total}` : ''}` : '';
  return (
    <nav class="pager" aria-label={`Pages of ${noun.toLowerCase()}`}>
      <button type="button" onClick={onPrev} disabled={index === 0}><span aria-hidden="true">←</span> Previous page</button>
      <span class="muted" aria-live="polite">Page {index + 1}{where ? ` · ${where}` : ''}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>Next page <span aria-hidden="true">→</span></button>
    </nav>
  );
}
