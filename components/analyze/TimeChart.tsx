'use client';

import { useEffect, useRef, useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { barsPerBucket, chooseBarForm } from '@/lib/ui/bar-form';
import { formatBucketSpan, formatTick } from '@/lib/time/zone';
import { formatAxisValue, formatValue, type ValueFormat } from '@/lib/ui/format-stats';
import { useIsClient } from '../useIsClient';
import { useTimeZone } from '../time/TimeZoneProvider';

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  /** Bars of the same stack pile up. */
  stack?: string;
}

/** One row per bucket: `t` is its start (ms since the epoch), the series keys its values (null: nothing to measure). */
export type ChartRow = { t: number } & Record<string, number | null>;

interface Props {
  title: string;
  /** What the figures are about (a saga name, a step): shown in the tooltip as text. */
  scope: string;
  kind: 'bar' | 'line';
  rows: ChartRow[];
  series: ChartSeries[];
  format: ValueFormat;
  bucketMs: number;
  testId: string;
  note?: string;
}

const HEIGHT = 220;
const MARGIN = { top: 8, right: 12, bottom: 0, left: 0 };

/** The plot's width in px, followed as the page resizes (0 before the first layout). */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver((entries) => setWidth(entries[0]?.contentRect.width ?? el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/**
 * A chart over the chosen buckets. Drawn only in the browser (it sizes itself to
 * its box). The axis and the tooltip use the zone chosen in the header; the
 * tooltip names it. Names reach the SVG and the tooltip as React text, never as markup.
 */
export function TimeChart({ title, scope, kind, rows, series, format, bucketMs, testId, note }: Props) {
  const isClient = useIsClient();
  const { zone } = useTimeZone();
  const plotRef = useRef<HTMLDivElement>(null);
  const yAxisWidth = format === 'duration' ? 64 : 44;
  // Counts per bucket: bars while each is at least MIN_BAR_PX wide, else a stepped area (lib/ui/bar-form.ts).
  const plotPx = useWidth(plotRef) - yAxisWidth - MARGIN.left - MARGIN.right;
  const barForm = kind === 'bar' ? chooseBarForm(plotPx, rows.length, barsPerBucket(series)) : null;
  const form: 'bar' | 'area' | 'line' = barForm === null ? 'line' : barForm.form;
  const rangeMs = rows.length > 0 ? rows[rows.length - 1]!.t + bucketMs - rows[0]!.t : 0;
  const tick = (v: number) => formatTick(v, bucketMs, rangeMs, zone);
  const yTick = (v: number) => formatAxisValue(v, format);
  const tooltip = (
    <Tooltip
      cursor={{ fill: 'rgba(31, 95, 196, 0.08)', stroke: '#9bb4e0' }}
      isAnimationActive={false}
      content={({ active, payload, label }) =>
        active && payload && payload.length > 0 ? (
          <div className="chart-tooltip" data-testid="chart-tooltip">
            <div className="chart-tooltip__scope">{scope}</div>
            <div className="chart-tooltip__time">{formatBucketSpan(Number(label), bucketMs, zone)}</div>
            {(kind === 'bar' ? payload.filter((p) => typeof p.value === 'number' && p.value !== 0) : payload).map((p) => (
              <div key={String(p.dataKey)} className="chart-tooltip__row">
                <span className="chart-swatch" style={{ background: String(p.color) }} aria-hidden="true" />
                <span>{String(p.name)}</span>
                <span className="num">{formatValue(typeof p.value === 'number' ? p.value : null, format)}</span>
              </div>
            ))}
            {kind === 'bar' && payload.every((p) => !p.value) ? <div className="muted">none</div> : null}
          </div>
        ) : null
      }
    />
  );
  const axes = [
    <CartesianGrid key="g" strokeDasharray="3 3" stroke="#e5e8ed" vertical={false} />,
    <XAxis
      key="x"
      dataKey="t"
      tickFormatter={tick}
      minTickGap={28}
      tick={{ fontSize: 11 }}
      stroke="#8a94a1"
      // Bars sit inside their band; a line's first and last points need room off the axes.
      padding={form === 'line' ? { left: 12, right: 12 } : undefined}
    />,
    <YAxis
      key="y"
      tickFormatter={yTick}
      width={yAxisWidth}
      tick={{ fontSize: 11 }}
      stroke="#8a94a1"
      allowDecimals={format !== 'count'}
      domain={format === 'percent' ? [0, 1] : [0, 'auto']}
    />,
  ];

  return (
    <figure className="chart" data-testid={testId} aria-label={title} data-form={isClient ? form : undefined}>
      <figcaption className="chart__head">
        <span className="chart__title">{title}</span>
        <span className="chart__legend">
          {series.map((s) => (
            <span key={s.key} className="chart-legend__item">
              <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label}
            </span>
          ))}
        </span>
        <span className="chart__zone muted" title="The zone of the time axis (switch it in the header)">
          time axis: {zone}
        </span>
      </figcaption>
      <div className="chart__plot" style={{ height: HEIGHT }} ref={plotRef}>
        {!isClient ? (
          <p className="muted chart__pending">Drawing the chart…</p>
        ) : (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            {barForm?.form === 'bar' ? (
              <BarChart data={rows} margin={MARGIN} barCategoryGap={barForm.categoryGapPx} barGap={0}>
                {axes}
                {tooltip}
                {series.map((s) => (
                  <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} stackId={s.stack} isAnimationActive={false} />
                ))}
              </BarChart>
            ) : barForm?.form === 'area' ? (
              // Too many buckets for bars: each bucket a flat step, stacks piled as the bars would be,
              // a series of its own (retries) an outline over them.
              <AreaChart data={rows} margin={MARGIN}>
                {axes}
                {tooltip}
                {series.map((s) => (
                  <Area
                    key={s.key}
                    // Centred on its bucket, so the last bucket too gets a width, not an edge.
                    type="step"
                    dataKey={s.key}
                    name={s.label}
                    stroke={s.color}
                    strokeWidth={s.stack === undefined ? 1.5 : 1}
                    fill={s.color}
                    fillOpacity={s.stack === undefined ? 0.12 : 0.7}
                    stackId={s.stack}
                    isAnimationActive={false}
                  />
                ))}
              </AreaChart>
            ) : (
              <LineChart data={rows} margin={MARGIN}>
                {axes}
                {tooltip}
                {series.map((s) => (
                  <Line
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    stroke={s.color}
                    strokeWidth={1.75}
                    dot={{ r: 2, fill: s.color, strokeWidth: 0 }}
                    activeDot={{ r: 4 }}
                    connectNulls={false}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            )}
          </ResponsiveContainer>
        )}
      </div>
      {note ? <p className="chart__note muted">{note}</p> : null}
    </figure>
  );
}
