'use client';

import { useEffect, useRef } from 'react';

/**
 * A modal dialog on the native <dialog> element (focus trap, Escape and the
 * backdrop come from the browser). Mounted open; `onClose` when dismissed.
 */
export function Modal({
  title,
  onClose,
  children,
  testId,
  busy = false,
}: {
  title: string;
  onClose: () => void;
  children: React.ReactNode;
  testId?: string;
  /** While a request runs the dialog cannot be dismissed (its result must be seen). */
  busy?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby="modal-title"
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
    >
      <div className="modal__head">
        <h2 id="modal-title">{title}</h2>
        <button type="button" className="button" onClick={onClose} disabled={busy} aria-label="Close">
          Close
        </button>
      </div>
      <div className="modal__body">{children}</div>
    </dialog>
  );
}
