'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { TOPOLOGY_PRESETS, effectiveRange, topologyHref, type TopologyView } from '@/lib/topology/view';
import { inputValueToIso } from '@/lib/time/zone';
import { useTimeZone } from '../time/TimeZoneProvider';
import { ZonedDateTimeField } from '../time/ZonedDateTimeField';

/**
 * The topology's time range (relative presets or absolute bounds) and saga-name
 * filter. Everything lives in the URL; this form only edits it. Absolute times
 * are typed in the zone chosen in the header and sent as ISO-8601 UTC.
 */
export function TopologyRangeControls({ view }: { view: TopologyView }) {
  const router = useRouter();
  const { zone } = useTimeZone();
  const preset = effectiveRange(view);

  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const from = inputValueToIso(text('from'), zone) ?? '';
    const to = inputValueToIso(text('to'), zone) ?? '';
    router.push(
      topologyHref({
        ...view,
        // Typed bounds replace a preset; otherwise the preset stays.
        range: from || to ? null : view.range,
        from,
        to,
        name: text('name'),
      }),
    );
  };

  return (
    <form className="filters" onSubmit={onSubmit} role="search" aria-label="Topology range and filter" data-testid="topology-controls">
      <div className="filters__row">
        <div className="field">
          <span className="field__label" id="topo-range-label">
            Range
          </span>
          <div className="segmented" role="group" aria-labelledby="topo-range-label">
            {TOPOLOGY_PRESETS.map((p) => (
              <button
                key={p.value}
                type="button"
                aria-pressed={preset === p.value}
                onClick={() => router.push(topologyHref({ ...view, range: p.value, from: null, to: null }))}
              >
                {p.label}
              </button>
            ))}
          </div>
        </div>
        <ZonedDateTimeField name="from" label="From" iso={view.from} />
        <ZonedDateTimeField name="to" label="To" iso={view.to} />
        <label className="field" key={`name-${view.name}`}>
          <span className="field__label">Saga name</span>
          <input name="name" type="text" defaultValue={view.name ?? ''} placeholder="any" maxLength={200} />
        </label>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <Link className="button" href={topologyHref({ refresh: view.refresh })}>
            Reset
          </Link>
        </div>
      </div>
    </form>
  );
}
