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
  const ref = useRef<HTMLSpanElement>(null);
  const [cut, setCut] = useState(false);
  const [open, setOpen] = useState(false);

  // One element whether cut or not: swapping a span for a button changed the
  // layout the ResizeObserver measures, and the two could flip forever — a
  // render loop that starved every client-side navigation away from the list.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const inner = el.firstElementChild as HTMLElement | null;
      const box = inner ?? el;
      // While open the text wraps and fits: keep the control so it can be closed again.
      if (!open) setCut(box.scrollWidth > box.clientWidth + 1);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [text, open]);

  const toggle = () => setOpen((o) => !o);
  const control = cut || open;
  return (
    <span
      ref={ref}
      className={`truncated${control ? ' truncated--cut' : ''}`}
      title={text}
      data-testid={testId}
      {...(control
        ? {
            role: 'button',
            tabIndex: 0,
            'aria-expanded': open,
            'aria-label': `${text}${open ? '' : ' (shortened; press to show all)'}`,
            onClick: toggle,
            onKeyDown: (e: React.KeyboardEvent) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggle();
              }
            },
          }
        : {})}
    >
      <span className="truncated__text">{text}</span>
    </span>
  );
}
