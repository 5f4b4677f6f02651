/**
 * Per-span limits applied at the edge, before anything is stored (issue #6,
 * "Limits"): attribute count, attribute value length (also span name, status
 * message and event attributes), event count. A span over a limit is kept,
 * cut down, and says so in its own attributes under `sagascope.*`, so the UI
 * shows what was dropped. Spans within the limits pass through as the same
 * object (the common case allocates nothing).
 */
import type { AttrValue, Attributes, FlatSpan, SpanEvent } from '../otlp/types';

export interface SpanLimits {
  /** Attributes kept per span (and per event, per resource); the rest are dropped. */
  maxAttributes: number;
  /** UTF-16 code units kept of any string value (attribute, name, status message). */
  maxValueLength: number;
  /** Events kept per span. */
  maxEvents: number;
}

// Our defaults are looser than the OTel SDK's (128 attributes, no length limit):
// a span the SDK sent in full should arrive in full.
export const DEFAULT_SPAN_LIMITS: SpanLimits = { maxAttributes: 256, maxValueLength: 16_384, maxEvents: 256 };

export const TRUNCATION_FLAGS = {
  truncated: 'sagascope.truncated',
  droppedAttributes: 'sagascope.dropped_attributes_count',
  truncatedValues: 'sagascope.truncated_values_count',
  droppedEvents: 'sagascope.dropped_events_count',
} as const;

function valueFits(v: AttrValue, l: SpanLimits): boolean {
  if (typeof v === 'string') return v.length <= l.maxValueLength;
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.length <= l.maxAttributes && v.every((x) => valueFits(x, l));
  const keys = Object.keys(v);
  return keys.length <= l.maxAttributes && keys.every((k) => valueFits(v[k]!, l));
}

function attributesFit(a: Attributes, l: SpanLimits): boolean {
  let n = 0;
  for (const k in a) {
    if (++n > l.maxAttributes || !valueFits(a[k]!, l)) return false;
  }
  return true;
}

/** Cuts a string without splitting a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = max > 0 && s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return s.slice(0, end);
}

interface Tally { values: number }

function limitValue(v: AttrValue, l: SpanLimits, t: Tally): AttrValue {
  if (typeof v === 'string') {
    if (v.length <= l.maxValueLength) return v;
    t.values++;
    return cut(v, l.maxValueLength);
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    if (v.length > l.maxAttributes) t.values++;
    return v.slice(0, l.maxAttributes).map((x) => limitValue(x, l, t));
  }
  const out: Record<string, AttrValue> = {};
  const keys = Object.keys(v);
  if (keys.length > l.maxAttributes) t.values++;
  for (const k of keys.slice(0, l.maxAttributes)) out[k] = limitValue(v[k]!, l, t);
  return out;
}

/** The attributes within the limits, and what was cut. Keeps the first attributes in arrival order. */
export function limitAttributes(a: Attributes, l: SpanLimits): { attributes: Attributes; dropped: number; truncatedValues: number } {
  if (attributesFit(a, l)) return { attributes: a, dropped: 0, truncatedValues: 0 };
  const keys = Object.keys(a);
  const t: Tally = { values: 0 };
  const out: Record<string, AttrValue> = {};
  for (const k of keys.slice(0, l.maxAttributes)) out[k] = limitValue(a[k]!, l, t);
  return { attributes: out, dropped: Math.max(0, keys.length - l.maxAttributes), truncatedValues: t.values };
}

export function limitSpan(s: FlatSpan, l: SpanLimits): FlatSpan {
  const nameFits = s.name.length <= l.maxValueLength && (s.statusMessage === null || s.statusMessage.length <= l.maxValueLength);
  const eventsFit = s.events === null || (s.events.length <= l.maxEvents && s.events.every((e) => e.name.length <= l.maxValueLength && attributesFit(e.attributes, l)));
  if (nameFits && eventsFit && attributesFit(s.attributes, l)) return s;

  const attrs = limitAttributes(s.attributes, l);
  let truncatedValues = attrs.truncatedValues;
  const name = cut(s.name, l.maxValueLength);
  const statusMessage = s.statusMessage === null ? null : cut(s.statusMessage, l.maxValueLength);
  truncatedValues += (name !== s.name ? 1 : 0) + (statusMessage !== s.statusMessage ? 1 : 0);
  let events: SpanEvent[] | null = s.events;
  let droppedEvents = 0;
  if (s.events !== null && !eventsFit) {
    droppedEvents = Math.max(0, s.events.length - l.maxEvents);
    events = s.events.slice(0, l.maxEvents).map((e) => {
      const ea = limitAttributes(e.attributes, l);
      const en = cut(e.name, l.maxValueLength);
      truncatedValues += ea.truncatedValues + ea.dropped + (en !== e.name ? 1 : 0);
      return ea.attributes === e.attributes && en === e.name ? e : { ...e, name: en, attributes: ea.attributes };
    });
  }
  // The flags must survive the limit they report: they are added after the cut.
  const attributes: Record<string, AttrValue> = { ...attrs.attributes, [TRUNCATION_FLAGS.truncated]: true };
  if (attrs.dropped > 0) attributes[TRUNCATION_FLAGS.droppedAttributes] = attrs.dropped;
  if (truncatedValues > 0) attributes[TRUNCATION_FLAGS.truncatedValues] = truncatedValues;
  if (droppedEvents > 0) attributes[TRUNCATION_FLAGS.droppedEvents] = droppedEvents;
  return { ...s, name, statusMessage, attributes, events };
}
