/**
 * The "compensation" mark (↩). Drawn as SVG because the arrow glyph is missing
 * or odd in common UI fonts, and the mark must read the same everywhere.
 */
export function UndoIcon({ title }: { title?: string }) {
  return (
    <svg
      className="undo-icon"
      width="12"
      height="12"
      viewBox="0 0 12 12"
      aria-hidden={title ? undefined : true}
      role={title ? 'img' : undefined}
      aria-label={title}
    >
      <path d="M4.5 2 1.5 5l3 3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
      <path d="M1.8 5H7a3.2 3.2 0 0 1 0 6.4H4.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
