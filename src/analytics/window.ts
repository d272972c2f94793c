import { callFactsFromTimeline, type AnalyticsTimelineEntry, type CallFacts } from './call-facts';
import { INTERVAL_MS, intervalStartOf, rollUpIntervals, type IntervalFigures, type RollUpOptions } from './intervals';
import { presenceSpans, wrapUpByCall, type PresenceChange } from './presence';

export interface WindowInput {
  /** Timelines (each in logged order) of the calls that arrived in [from, to). */
  timelines: Iterable<readonly AnalyticsTimelineEntry[]>;
  /**
   * Presence changes in order per receptionist: each one's last change before `from`, then every
   * change from `from` on (far enough past `to` to close the wrap-ups of the window's calls).
   */
  presence: readonly PresenceChange[];
  from: number;
  to: number;
  /** Now: spans still open are counted up to here. */
  asOf: number;
}

/** Everything one window's roll-up needs, from raw rows to figures: the adapter only loads and stores. */
export function rollUpWindow(input: WindowInput, options: RollUpOptions): IntervalFigures[] {
  const spans = presenceSpans(input.presence, input.asOf);
  const calls: CallFacts[] = [];
  for (const t of input.timelines) {
    const facts = callFactsFromTimeline(t);
    if (facts) calls.push(facts);
  }
  return rollUpIntervals({ calls, wrapUpMsByCall: wrapUpByCall(spans), presence: spans, from: input.from, to: input.to }, options);
}

/** Splits [from, to) into interval-aligned windows of at most `maxIntervals` intervals. */
export function alignedWindows(from: number, to: number, maxIntervals: number): Array<{ from: number; to: number }> {
  const start = intervalStartOf(from);
  const end = intervalStartOf(to - 1) + INTERVAL_MS;
  const out: Array<{ from: number; to: number }> = [];
  for (let f = start; f < end; f += maxIntervals * INTERVAL_MS) out.push({ from: f, to: Math.min(end, f + maxIntervals * INTERVAL_MS) });
  return out;
}

/** Groups interval starts into runs of consecutive intervals, each as a window. */
export function windowsOfIntervals(starts: Iterable<number>, maxIntervals: number): Array<{ from: number; to: number }> {
  const sorted = [...new Set(starts)].sort((a, b) => a - b);
  const out: Array<{ from: number; to: number }> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.to === s && (last.to - last.from) / INTERVAL_MS < maxIntervals) last.to = s + INTERVAL_MS;
    else out.push({ from: s, to: s + INTERVAL_MS });
  }
  return out;
}
