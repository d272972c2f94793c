import type { CallerId, CallId, ClientProfile, OfferId, OverflowTreatment, ReceptionistId } from './model';
import type { CallbackAttemptOutcome, CallbackStatus, CallbackTicket } from './callbacks';
import type { ReceptionistSnapshot } from './receptionist';

/** Why a receptionist's leg ended before or after it was answered, as the PBX reported it. */
export type LegEndReason = 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'hangup';

export type OfferOutcome = 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'cancelled';

/** `callback`: the caller chose to be called back and hung up, keeping their place. */
export type CallOutcome = 'completed' | 'abandoned' | 'voicemail' | 'announcement' | 'failed' | 'callback';

export type OverflowReason = 'nobody-logged-in' | 'max-wait';

export type TimerKey = string;

export type PresenceRequest =
  | { kind: 'available' }
  | { kind: 'paused'; reason: string }
  | { kind: 'logged-out' };

/** Facts that reach the switchboard: from the PBX, from timers, from people. */
export type SwitchboardEvent =
  | { type: 'call-arrived'; callId: CallId; client: ClientProfile; did: string; caller: CallerId; knownNumber: boolean; arrivedAt?: number }
  | { type: 'offer-answered'; offerId: OfferId }
  | { type: 'leg-ended'; offerId: OfferId; reason: LegEndReason }
  | { type: 'caller-left'; callId: CallId }
  | { type: 'overflow-finished'; callId: CallId; recording: string | null }
  | { type: 'timer-fired'; key: TimerKey }
  | { type: 'reachability-changed'; receptionistId: ReceptionistId; reachable: boolean };

/** Facts about callbacks (Switchboard.handleCallback). */
export type CallbackEvent =
  /** A waiting caller accepted the callback offer and chose a number. */
  | { type: 'callback-requested'; callId: CallId; ticket: CallbackTicket }
  /** A callback to enter the queue at `dueAt` (scheduled through the API, or restored). */
  | { type: 'callback-scheduled'; ticket: CallbackTicket; client: ClientProfile; dueAt: number }
  | { type: 'callee-answered'; channelId: string }
  | { type: 'callee-ended'; channelId: string; reason: LegEndReason };

export interface OfferOrder {
  offerId: OfferId;
  callId: CallId;
  clientId: string;
  receptionistId: ReceptionistId;
  endpoint: string;
  caller: CallerId;
  timeoutSeconds: number;
}

export interface ScreenPop {
  callId: CallId;
  clientId: string;
  clientName: string;
  greeting: string;
  callerName: string;
  callerNumber: string;
  did: string;
  waitMs: number;
  receptionistId: ReceptionistId;
  receptionistName: string;
  at: number;
  /** Set when the receptionist is about to call someone back: `waitMs` is the original wait. */
  callback?: { callbackId: string; number: string; name: string; note: string; attempt: number; originalWaitMs: number };
}

export type TimelineEntry =
  | { kind: 'arrived'; callId: CallId; at: number; clientId: string; did: string; caller: CallerId; knownNumber: boolean }
  | { kind: 'offered'; callId: CallId; at: number; offerId: OfferId; receptionistId: ReceptionistId }
  | { kind: 'offer-ended'; callId: CallId; at: number; offerId: OfferId; receptionistId: ReceptionistId; outcome: OfferOutcome }
  | { kind: 'answered'; callId: CallId; at: number; receptionistId: ReceptionistId; waitMs: number }
  | { kind: 'overflowed'; callId: CallId; at: number; treatment: OverflowTreatment['kind']; reason: OverflowReason; waitMs: number }
  | { kind: 'voicemail-recorded'; callId: CallId; at: number; recording: string }
  | { kind: 'ended'; callId: CallId; at: number; outcome: CallOutcome; waitMs: number; endedBy: 'caller' | 'receptionist' | 'system' }
  /** On the caller's call: they chose to be called back (the callback's own entries use its callId). */
  | { kind: 'callback-requested'; callId: CallId; at: number; callbackId: string; waitMs: number }
  /** One outbound attempt ended; `next` says what happens to the callback. */
  | {
      kind: 'callback-attempt';
      callId: CallId;
      at: number;
      callbackId: string;
      attempt: number;
      receptionistId: ReceptionistId | null;
      outcome: CallbackAttemptOutcome;
      next: 'done' | 'retry' | 'failed';
      retryAt: number | null;
    };

export type CallPhase = 'waiting' | 'offering' | 'connected' | 'overflow';

/** What must survive a restart about a live call (Asterisk knows the rest). */
export interface CallSnapshot {
  id: CallId;
  clientId: string;
  did: string;
  caller: CallerId;
  knownNumber: boolean;
  arrivedAt: number;
  enqueuedAt: number;
  priorityTier: number;
  phase: CallPhase;
  offer: { offerId: OfferId; receptionistId: ReceptionistId; startedAt: number; answered: boolean } | null;
  receptionistId: ReceptionistId | null;
  answeredAt: number | null;
  onHold: boolean;
  /** The callback offer was made to this caller (it is made once). */
  callbackOffered?: boolean;
  /** Set on a callback entry (never stored in the live state: PostgreSQL holds callbacks). */
  callbackId?: string;
}

/** What the switchboard asks the outside world to do, in order. */
export type Command =
  | { type: 'originate'; offer: OfferOrder }
  | { type: 'ring-caller'; callId: CallId }
  | { type: 'hold-caller'; callId: CallId; mohClass: string }
  | { type: 'connect'; callId: CallId; offerId: OfferId }
  | { type: 'hangup-leg'; callId: CallId; offerId: OfferId }
  | { type: 'hangup-caller'; callId: CallId }
  | { type: 'overflow'; callId: CallId; treatment: OverflowTreatment }
  | { type: 'play-to-caller'; callId: CallId; media: string[] }
  | { type: 'start-timer'; key: TimerKey; ms: number }
  | { type: 'cancel-timer'; key: TimerKey }
  | { type: 'log'; entry: TimelineEntry }
  | { type: 'save-call'; call: CallSnapshot }
  | { type: 'drop-call'; callId: CallId }
  | { type: 'save-receptionist'; receptionist: ReceptionistSnapshot }
  | { type: 'screen-pop'; pop: ScreenPop }
  /** The caller has waited past the client's threshold: offer them a callback. */
  | { type: 'offer-callback'; callId: CallId; callerNumber: string }
  /** A callback's receptionist answered: bridge their leg and let them hear hold music. */
  | { type: 'hold-receptionist'; callId: CallId; offerId: OfferId; mohClass: string }
  /** Place the outbound leg of one attempt (exactly once: see the outbox in docs/callbacks.md). */
  | {
      type: 'dial-callback';
      callId: CallId;
      callbackId: string;
      attempt: number;
      channelId: string;
      number: string;
      did: string;
      clientName: string;
      receptionistId: ReceptionistId;
      timeoutSeconds: number;
    }
  | { type: 'connect-callee'; callId: CallId; channelId: string }
  | { type: 'hangup-callee'; callId: CallId; channelId: string }
  /** Persist a callback's state; `attempt` when an attempt started or ended. */
  | {
      type: 'callback-update';
      callId: CallId;
      ticket: CallbackTicket;
      status: CallbackStatus;
      dueAt: number | null;
      attempt: { n: number; receptionistId: ReceptionistId | null; outcome: CallbackAttemptOutcome | null } | null;
    };
