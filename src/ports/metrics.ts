import type { TimelineEntry } from '../domain/messages';

/** What moved the call path to send an originate: a caller arriving, or a receptionist freeing up. */
export type RoutingTrigger = 'arrival' | 'dispatch';

/** What the call path reports as it goes; the adapter keeps counters and histograms. */
export interface CallMetrics {
  /** Every timeline entry (arrived, offered, offer-ended, answered, overflowed, ended). */
  timeline(entry: TimelineEntry): void;
  /** From the ARI event that made the decision reaching Switchboard to the originate being sent. */
  routed(trigger: RoutingTrigger, latencyMs: number): void;
}

export const noCallMetrics: CallMetrics = {
  timeline: () => undefined,
  routed: () => undefined,
};
