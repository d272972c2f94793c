import type { BillingRule, CallDisposition, ClientBill } from './billing';
import type { IntervalFigures, RollUpOptions, ScopeKey } from './intervals';

export interface RollUpReport {
  /** Windows recomputed (each in its own transaction). */
  windows: number;
  intervals: number;
  calls: number;
  rows: number;
}

/**
 * Interval roll-ups and billing over the stored timelines and presence (implemented by
 * src/adapters/postgres/analytics.ts). Times are ms since the epoch.
 */
export interface AnalyticsStore {
  readonly options: RollUpOptions;
  /** Recomputes every interval overlapping [from, to), replacing its rows: idempotent. */
  recomputeAnalytics(range: { from: number; to: number }): Promise<RollUpReport>;
  /** Recomputes what changed since the last run, and the time that passed; the first run does everything. */
  rollUpSinceLastRun(): Promise<RollUpReport>;
  /** Stored rows of one scope, intervals starting in [from, to). */
  intervals(query: { from: number; to: number; scope: ScopeKey }): Promise<IntervalFigures[]>;
  /** One client's bill for calls that arrived in [from, to), computed from the timelines now. */
  bill(query: { clientId: string; from: number; to: number; rule?: BillingRule }): Promise<ClientBill>;
  /** Marks a call spam or wrong number (then it is not billed); null removes the mark. */
  markDisposition(callId: string, disposition: CallDisposition | null, markedBy: string): Promise<void>;
}
