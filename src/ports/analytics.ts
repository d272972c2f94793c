import type { TimelineEntry } from '../domain/messages';

/** The domain's presence kinds, as stored in `receptionist_events.state`. */
export type PresenceState = 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'paused';

/** One presence change: a row of `receptionist_events`. */
export interface PresenceChange {
  receptionistId: string;
  /** ms since the epoch: when the new state began (the snapshot's `presenceSince`). */
  at: number;
  state: PresenceState;
  /** The pause reason when paused, else null. */
  reason: string | null;
  /** The call when ringing, on-call or in wrap-up, else null. */
  callId: string | null;
}

/**
 * Receptionist presence history (`receptionist_events`). `appendPresence` never blocks the call
 * path: changes are buffered in order and written in batches; a failed write is retried, and a
 * retried batch is a no-op. Call it once per change of presence kind, pause reason or call
 * (a repeat of the same state is harmless: analytics merges it).
 */
export interface PresenceLog {
  appendPresence(change: PresenceChange): void;
  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void>;
}

/** Asterisk-compatible queue_log, fed as things happen (to the `queue_log` table and a file). */
export interface QueueLog {
  recordTimeline(entry: TimelineEntry): void;
  recordPresence(change: PresenceChange): void;
  /** Resolves when every line so far is in the table and the file. */
  flush(): Promise<void>;
}
