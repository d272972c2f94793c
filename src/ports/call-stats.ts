import type { CallOutcome } from '../domain/messages';

/** One call, reduced to what the day's queue figures need. Times are ms since the epoch. */
export interface ArrivedCall {
  /** The first answer, or null while (or if never) answered. */
  answeredAt: number | null;
  /**
   * Answered: arrival to the first answer (as analytics reads it from the timeline). Not
   * answered: arrival to the end, null while the call goes on.
   */
  waitMs: number | null;
  /** Null while the call goes on. */
  outcome: CallOutcome | null;
}

/** Reads calls for live figures (implemented by src/adapters/postgres/call-stats.ts). */
export interface CallStats {
  /** Every call that arrived in [from, to). */
  callsArrivedIn(range: { from: number; to: number }): Promise<ArrivedCall[]>;
}
