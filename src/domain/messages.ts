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
  | { type: 'reachability-changed'; receptionistId: ReceptionistId; reachable: boolean }
  /** The outbound leg of a blind transfer answered, or ended (before or after answering). */
  | { type: 'transfer-answered'; channelId: string }
  | { type: 'transfer-ended'; channelId: string; reason: LegEndReason };

/** Who asked for an in-call operation: a feature code on the receptionist's phone, or the API. */
export type FeatureTrigger = 'phone' | 'api';

/**
 * A step of an announced (screened) transfer after it started (the start is the `transfer` entry
 * with `mode: 'announced'`): the contact answered, the receptionist completed, cancelled or made
 * it three-way, the contact declined (hung up while consulted), did not answer, was busy or
 * unreachable, or someone left.
 */
export type ConsultStep =
  | 'answered'
  | 'completed'
  | 'cancelled'
  | 'three-way'
  | 'declined'
  | 'no-answer'
  | 'busy'
  | 'unreachable'
  | 'failed'
  | 'caller-left'
  | 'receptionist-left'
  | 'contact-left';

/** What caused a consultation step: the receptionist (phone or API), the contact, the caller, the receptionist's hang-up, or a timer/the PBX. */
export type ConsultTrigger = FeatureTrigger | 'contact' | 'caller' | 'receptionist-hangup' | 'system';

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
  /** A transfer attempt, made or refused, with who asked for it. */
  | {
      kind: 'transfer';
      callId: CallId;
      at: number;
      receptionistId: ReceptionistId;
      trigger: FeatureTrigger;
      mode: 'blind' | 'announced';
      /** What was asked, printable and bounded (e.g. `number:+15035550123`, `keyed:12`). */
      requested: string;
      /** The checked destination (E.164 or `ext NNN`), null when refused before one was known. */
      destination: string | null;
      contactCode: string | null;
      result: 'dialing' | 'refused';
      code: string | null;
    }
  /** A blind transfer's outbound leg answered or failed, and what became of the caller. */
  | {
      kind: 'transfer-ended';
      callId: CallId;
      at: number;
      destination: string;
      outcome: 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'failed';
      next: 'connected' | 'back-to-receptionist' | 'queue';
    }
  /** One step of an announced transfer (done, or refused with `code`). */
  | {
      kind: 'consult';
      callId: CallId;
      at: number;
      receptionistId: ReceptionistId;
      trigger: ConsultTrigger;
      step: ConsultStep;
      result: 'done' | 'refused';
      /** The checked destination being consulted; null when there was none. */
      destination: string | null;
      contactCode: string | null;
      code: string | null;
    }
  /** Parked by a receptionist in a slot (`#72` or the API). */
  | { kind: 'parked'; callId: CallId; at: number; slot: string; receptionistId: ReceptionistId; trigger: FeatureTrigger }
  /** A parked call left its slot: retrieved, timed out (and where it went), or the caller hung up. */
  | {
      kind: 'park-ended';
      callId: CallId;
      at: number;
      slot: string;
      outcome: 'retrieved' | 'timeout' | 'caller-left';
      receptionistId: ReceptionistId | null;
      next: 'receptionist' | 'back-to-receptionist' | 'queue' | 'ended';
    }
  /** Hold, resume, voicemail or hang-up asked by the receptionist (done or refused). */
  | {
      kind: 'feature';
      callId: CallId;
      at: number;
      receptionistId: ReceptionistId;
      trigger: FeatureTrigger;
      action: 'hold' | 'resume' | 'voicemail' | 'hangup' | 'park';
      result: 'done' | 'refused';
      code: string | null;
    }
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

/** `parked`: answered, then parked by a receptionist in a slot (hold music, nobody on it). */
export type CallPhase = 'waiting' | 'offering' | 'connected' | 'overflow' | 'parked';

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
  /** The receptionist put the caller on hold (`*0` or the API): music on the caller, their leg stays. */
  heldByReceptionist?: boolean;
  /**
   * A transfer's outbound leg: a blind one (ringing, or answered and bridged with the caller), or
   * an announced one being consulted (`mode: 'announced'`; `threeWay` once all three share the
   * caller's bridge). A completed announced transfer is stored as an answered blind one.
   */
  transfer?: {
    channelId: string;
    destination: string;
    answered: boolean;
    fromReceptionistId: ReceptionistId;
    mode?: 'announced';
    threeWay?: boolean;
    contactCode?: string | null;
  };
  /** The slot a parked call waits in. */
  park?: { slot: string; byReceptionistId: ReceptionistId; at: number };
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
  /** Hold by the receptionist: the caller leaves the bridge and hears the client's music. */
  | { type: 'hold-caller-aside'; callId: CallId; mohClass: string }
  | { type: 'resume-caller'; callId: CallId }
  /** The caller leaves the call's bridge (before voicemail is recorded from them alone). */
  | { type: 'unbridge-caller'; callId: CallId }
  /** The outbound leg of a blind transfer; `endpoint` is a dial string built from checked values only. */
  | { type: 'dial-transfer'; callId: CallId; channelId: string; endpoint: string; callerName: string; callerNumber: string; timeoutSeconds: number }
  | { type: 'connect-transfer'; callId: CallId; channelId: string }
  /** Announced transfer: the receptionist's leg leaves the caller's bridge for a consultation bridge; the caller hears the client's music. */
  | { type: 'consult-start'; callId: CallId; offerId: OfferId; mohClass: string }
  /** The consulted contact answered: into the consultation bridge with the receptionist. */
  | { type: 'consult-connect'; callId: CallId; channelId: string }
  /** The consultation is over without a transfer: the receptionist is back in the caller's bridge, the music stops. */
  | { type: 'consult-return'; callId: CallId; offerId: OfferId }
  /** Completed: the contact joins the caller's bridge, the music stops (the receptionist's leg is hung up apart). */
  | { type: 'consult-complete'; callId: CallId; channelId: string }
  /** Three-way: receptionist and contact both join the caller's bridge. */
  | { type: 'consult-three-way'; callId: CallId; offerId: OfferId; channelId: string }
  /** A short notice on the receptionist's leg only (the consulted contact was busy or did not answer). */
  | { type: 'notify-receptionist'; callId: CallId; offerId: OfferId }
  /** The parking receptionist's leg leaves the bridge, hears the slot number, and is hung up. */
  | { type: 'announce-park'; callId: CallId; offerId: OfferId; slot: string }
  | { type: 'hangup-transfer'; callId: CallId; channelId: string }
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
