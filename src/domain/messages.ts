import type { CallerId, CallId, ClientProfile, OfferId, OverflowTreatment, ReceptionistId } from './model';
import type { ReceptionistSnapshot } from './receptionist';

/** Why a receptionist's leg ended before or after it was answered, as the PBX reported it. */
export type LegEndReason = 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'hangup';

export type OfferOutcome = 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'cancelled';

export type CallOutcome = 'completed' | 'abandoned' | 'voicemail' | 'announcement' | 'failed';

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
}

export type TimelineEntry =
  | { kind: 'arrived'; callId: CallId; at: number; clientId: string; did: string; caller: CallerId; knownNumber: boolean }
  | { kind: 'offered'; callId: CallId; at: number; offerId: OfferId; receptionistId: ReceptionistId }
  | { kind: 'offer-ended'; callId: CallId; at: number; offerId: OfferId; receptionistId: ReceptionistId; outcome: OfferOutcome }
  | { kind: 'answered'; callId: CallId; at: number; receptionistId: ReceptionistId; waitMs: number }
  | { kind: 'overflowed'; callId: CallId; at: number; treatment: OverflowTreatment['kind']; reason: OverflowReason; waitMs: number }
  | { kind: 'voicemail-recorded'; callId: CallId; at: number; recording: string }
  | { kind: 'ended'; callId: CallId; at: number; outcome: CallOutcome; waitMs: number; endedBy: 'caller' | 'receptionist' | 'system' };

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
  | { type: 'screen-pop'; pop: ScreenPop };
