/**
 * `@tanstack/virtual-core` bound to Preact: the adapter React's package would give, for a
 * scrolling element and rows measured as they render (their heights change with their output).
 */
import {
  Virtualizer, elementScroll, measureElement, observeElementOffset, observeElementRect, type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useLayoutEffect, useState } from 'preact/hooks';

type Options<S extends Element, I extends Element> =
  Pick<VirtualizerOptions<S, I>, 'count' | 'getScrollElement' | 'estimateSize'> &
  Partial<Omit<VirtualizerOptions<S, I>, 'count' | 'getScrollElement' | 'estimateSize'>>;

export function useVirtualizer<S extends Element = HTMLElement, I extends Element = HTMLElement>(options: Options<S, I>): Virtualizer<S, I> {
  const [, setTick] = useState(0);
  const resolved: VirtualizerOptions<S, I> = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    measureElement,
    ...options,
    onChange: (v, sync) => {
      setTick((t) => t + 1);
      options.onChange?.(v, sync);
    },
  };
  const [v] = useState(() => new Virtualizer<S, I>(resolved));
  // Every render: the count and the item keys follow the data (setOptions keeps the scroll
  // anchored when items are prepended or appended).
  v.setOptions(resolved);
  useLayoutEffect(() => v._didMount(), [v]);
  useLayoutEffect(() => { v._willUpdate(); });
  return v;
}
