import type { TimelineEntry } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';

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

/**
 * What the call service feeds analytics as it applies commands: every timeline entry and every
 * receptionist snapshot it saves. Implementations never throw and never block: they buffer,
 * write in batches behind the call path, and log their own failures.
 */
export interface CallAnalytics {
  timeline(entry: TimelineEntry): void;
  receptionistSaved(snapshot: ReceptionistSnapshot): void;
  /** Resolves when everything fed so far is written (or has failed and been logged). */
  flush(): Promise<void>;
}
