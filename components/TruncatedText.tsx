'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * Text cut to its cell with an ellipsis, whose full value can always be read:
 * the title shows it on hover, and when the text is actually cut it becomes a
 * button that shows the whole value on keyboard focus and stays open on click
 * (aria-expanded). Text only, rendered as text. Text that fits stays a plain
 * span, so a table of short values gets no extra tab stops.
 */
export function TruncatedText({ text, testId }: { text: string; testId?: string }) {
  const ref = useRef<HTMLElement>(null);
  const [cut, setCut] = useState(false);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const inner = el.firstElementChild as HTMLElement | null;
      const box = inner ?? el;
      // While open the text wraps and fits: keep the button so it can be closed again.
      setCut((was) => (open ? was : box.scrollWidth > box.clientWidth + 1));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [text, open, cut]);

  if (!cut) {
    return (
      <span ref={ref} className="truncated" title={text} data-testid={testId}>
        <span className="truncated__text">{text}</span>
      </span>
    );
  }
  return (
    <button
      ref={ref as React.RefObject<HTMLButtonElement>}
      type="button"
      className="truncated truncated--cut"
      title={text}
      aria-expanded={open}
      aria-label={`${text}${open ? '' : ' (shortened; press to show all)'}`}
      onClick={() => setOpen((o) => !o)}
      data-testid={testId}
    >
      <span className="truncated__text">{text}</span>
    </button>
  );
}
