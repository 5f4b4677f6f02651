'use client';

import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

/**
 * false during the server render and hydration, true afterwards. Anything that
 * depends on the browser (its time zone, the current time) renders only then,
 * so hydration never sees a mismatch.
 */
export function useIsClient(): boolean {
  return useSyncExternalStore(subscribe, () => true, () => false);
}
