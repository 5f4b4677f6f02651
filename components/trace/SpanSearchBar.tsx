'use client';

import { useId } from 'react';
import type { SpanSearch } from './useSpanSearch';

export interface SpanSearchBarProps {
  search: SpanSearch;
  /** The selected row (index into the whole trace), -1 for none: "n of N" when it is a match. */
  selectedRow: number;
  onStep(dir: 'next' | 'prev'): void;
  onlyMatches: boolean;
  onOnlyMatches(value: boolean): void;
}

/** Binary search: position of `row` in the sorted matches, -1 when it is not one. */
function matchPosition(matches: readonly number[], row: number): number {
  let lo = 0;
  let hi = matches.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (matches[mid] === row) return mid;
    if (matches[mid]! < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The span search box: Enter goes to the next match, Shift+Enter to the
 * previous, Escape clears. The count is announced politely as it changes.
 */
export function SpanSearchBar({ search, selectedRow, onStep, onlyMatches, onOnlyMatches }: SpanSearchBarProps) {
  const id = useId();
  const n = search.matches.length;
  const at = search.active ? matchPosition(search.matches, selectedRow) : -1;
  const count = !search.active
    ? ''
    : n === 0
      ? search.pending
        ? 'Searching…'
        : 'No matching spans'
      : `${at >= 0 ? `${(at + 1).toLocaleString('en-US')} of ` : ''}${n.toLocaleString('en-US')}${search.truncated ? '+' : ''} match${n === 1 ? '' : 'es'}${search.pending ? ' (searching attributes…)' : ''}`;

  return (
    <div className="span-search" role="search" aria-label="Search spans">
      <label htmlFor={`${id}-q`} className="visually-hidden">
        Search spans
      </label>
      <input
        id={`${id}-q`}
        type="search"
        className="span-search__input"
        placeholder="Search spans: name, service, attribute value, span id"
        title="Plain text matches any field; narrow with service:, name:, span: or attr:"
        value={search.input}
        maxLength={200}
        onChange={(e) => search.setInput(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            onStep(e.shiftKey ? 'prev' : 'next');
          } else if (e.key === 'Escape' && search.input !== '') {
            e.preventDefault();
            search.setInput('');
          }
        }}
        data-testid="span-search"
        aria-describedby={`${id}-count`}
      />
      <button type="button" className="button button--small" onClick={() => onStep('prev')} disabled={n === 0} aria-label="Previous match" title="Previous match (Shift+Enter)">
        ↑
      </button>
      <button type="button" className="button button--small" onClick={() => onStep('next')} disabled={n === 0} aria-label="Next match" title="Next match (Enter)">
        ↓
      </button>
      <label className="span-search__only">
        <input type="checkbox" checked={onlyMatches} onChange={(e) => onOnlyMatches(e.target.checked)} data-testid="span-search-only" /> Only matches
      </label>
      <span id={`${id}-count`} className="span-search__count muted" role="status" aria-live="polite" data-testid="span-search-count">
        {count}
        {search.error ? <span className="span-search__error"> · attribute search failed: {search.error}</span> : null}
      </span>
    </div>
  );
}
