import type { BusinessSchedule } from '../domain/business-hours';
import type { TimelineEntry } from '../domain/messages';
import type { CallbackAttemptOutcome, CallbackStatus, CallbackTicket } from '../domain/callbacks';

export interface CallbackAttemptRecord {
  attempt: number;
  channelId: string;
  receptionistId: string | null;
  /** `sending`: the outbox row is written, the originate not yet confirmed; `sent`: Asterisk took it. */
  status: 'sending' | 'sent' | CallbackAttemptOutcome;
  createdAt: Date;
  sentAt: Date | null;
  endedAt: Date | null;
}

export interface CallbackRecord {
  id: string;
  clientId: string;
  number: string;
  name: string;
  note: string;
  source: 'caller' | 'api';
  originalCallId: string | null;
  did: string;
  status: CallbackStatus;
  attempts: number;
  enqueuedAt: Date;
  originalWaitMs: number;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  attemptList?: CallbackAttemptRecord[];
  /** The callback's own timeline (offers, attempts with outcomes, end), when read one by one. */
  timeline?: TimelineEntry[];
}

/** What the queue needs to restore a callback after a restart. */
export interface PendingCallbackRow {
  ticket: Omit<CallbackTicket, 'schedule'>;
  status: 'scheduled' | 'queued' | 'dialing';
  dueAt: number;
  /** The attempt in progress when Switchboard stopped, if its outbox row was written. */
  openAttempt: { attempt: number; channelId: string; status: CallbackAttemptRecord['status'] } | null;
}

/**
 * Callbacks and their attempts (PostgreSQL). `save` is written behind the call path, in order per
 * callback; the attempt outbox (`beginAttempt`) is awaited before every originate.
 */
export interface CallbackStore {
  save(ticket: CallbackTicket, status: CallbackStatus, dueAt: number | null, source: 'caller' | 'api'): void;
  /** Records how an attempt ended (or that it started, with `outcome` null). */
  saveAttemptOutcome(callbackId: string, attempt: number, receptionistId: string | null, outcome: CallbackAttemptOutcome | null): void;
  /**
   * The outbox: inserts the attempt row before the originate. false when the row already exists,
   * i.e. this attempt was already sent (or is being sent) and must not be dialled again.
   */
  beginAttempt(callbackId: string, attempt: number, channelId: string, receptionistId: string): Promise<boolean>;
  markAttemptSent(callbackId: string, attempt: number): Promise<void>;
  /** Inserted at once (API scheduling): the row exists before the call answers. */
  create(ticket: CallbackTicket, status: CallbackStatus, dueAt: number, source: 'caller' | 'api'): Promise<void>;
  get(id: string): Promise<CallbackRecord | null>;
  list(opts: { clientId?: string; status?: CallbackStatus; limit: number }): Promise<CallbackRecord[]>;
  pending(): Promise<PendingCallbackRow[]>;
  /** The client's hours and closures (closures from two days before `atMs`). */
  schedule(clientId: string, atMs: number): Promise<BusinessSchedule>;
  /** A number of the client, for the callee's caller ID when the callback was scheduled through the API. */
  clientNumber(clientId: string): Promise<string | null>;
  flush(): Promise<void>;
}
