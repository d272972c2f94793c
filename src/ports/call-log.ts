import type { CallOutcome, TimelineEntry } from '../domain/messages';

export interface CallRecord {
  id: string;
  clientId: string;
  did: string;
  callerName: string;
  callerNumber: string;
  arrivedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  outcome: CallOutcome | null;
  waitMs: number | null;
  receptionistId: string | null;
  voicemailRecording: string | null;
  timeline: TimelineEntry[];
}

/**
 * Every call and its timeline (PostgreSQL). `append` never blocks the call path: entries are
 * buffered in order and written in batches; a failed write is retried, never dropped.
 */
export interface CallLog {
  append(entry: TimelineEntry): void;
  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void>;
  call(id: string): Promise<CallRecord | null>;
  recentCalls(opts: { limit: number; clientId?: string }): Promise<CallRecord[]>;
}
