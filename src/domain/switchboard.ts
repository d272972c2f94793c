import { openingStateAt, type BusinessSchedule } from './business-hours';
import { CallQueue } from './call-queue';
import {
  callbackCallId,
  callbackChannelId,
  DEFAULT_CALLBACK_POLICY,
  nextOpenAt,
  planRetry,
  type CallbackAttemptOutcome,
  type CallbackId,
  type CallbackPolicy,
  type CallbackTicket,
} from './callbacks';
import {
  decideDestination,
  DEFAULT_DESTINATION_POLICY,
  describeDestination,
  dialString,
  requestForLog,
  type ClientTransferRules,
  type DestinationPolicy,
  type DialTemplates,
  type TransferRequest,
} from './destinations';
import type {
  CallbackEvent,
  ConsultStep,
  ConsultTrigger,
  FeatureTrigger,
  CallOutcome,
  CallPhase,
  CallSnapshot,
  Command,
  LegEndReason,
  OfferOutcome,
  OverflowReason,
  PresenceRequest,
  SwitchboardEvent,
} from './messages';
import {
  MISSED_CALLS_PAUSE_REASON,
  type CallerId,
  type CallId,
  type ClientProfile,
  type OfferId,
  type ReceptionistId,
  type ReceptionistProfile,
} from './model';
import {
  isLoggedIn,
  longestIdle,
  snapshotOf,
  type Presence,
  type Receptionist,
  type ReceptionistSnapshot,
} from './receptionist';

/** How long a phone that failed as unreachable is left alone before it is tried again. */
export const UNREACHABLE_RETRY_MS = 30_000;

interface LiveCall {
  id: CallId;
  client: ClientProfile;
  did: string;
  caller: CallerId;
  knownNumber: boolean;
  arrivedAt: number;
  enqueuedAt: number;
  phase: CallPhase;
  offer: { offerId: OfferId; receptionistId: ReceptionistId; startedAt: number; answered: boolean } | null;
  receptionistId: ReceptionistId | null;
  answeredAt: number | null;
  onHold: boolean;
  callbackOffered: boolean;
  /** Set on a callback entry: a place in line with no caller's channel behind it. */
  callback: CallbackState | null;
  /** On hold by the receptionist (out of the bridge, hearing music). */
  held?: boolean;
  /** A blind transfer in progress or done. */
  transfer?: TransferState | null;
  /** Back from a failed transfer or a park timeout: served before everyone else. */
  returning?: boolean;
  park?: { slot: string; byReceptionistId: ReceptionistId; at: number } | null;
}

/** Call park: the slots (first free one is used) and how long a call stays parked. */
export interface ParkSettings {
  slots: string[];
  timeoutSeconds: number;
}

export const DEFAULT_PARK_SETTINGS: ParkSettings = {
  slots: Array.from({ length: 20 }, (_, i) => String(701 + i)),
  timeoutSeconds: 45,
};

export type RetrieveResult =
  | { ok: true; callId: CallId; commands: Command[] }
  | { ok: false; code: 'no-such-parked-call' | 'no-such-receptionist' | 'receptionist-busy'; message: string };

/** A transfer in progress: the same shape the call's snapshot stores (see CallSnapshot). */
type TransferState = NonNullable<CallSnapshot['transfer']>;

/** Ahead of every priority tier: a caller whose transfer failed goes to the front of the line. */
const FRONT_TIER = 1_000_000;

/** Blind transfers: where they may go (destinations.ts) and how they are dialled. */
export interface TransferSettings {
  policy: DestinationPolicy;
  templates: DialTemplates;
  /** How long the destination rings before the caller comes back. */
  ringSeconds: number;
  /** How long a consulted contact (announced transfer) rings before the receptionist is back with the caller; default 20. */
  announcedRingSeconds?: number;
}

export const DEFAULT_ANNOUNCED_RING_SECONDS = 20;

export const DEFAULT_TRANSFER_SETTINGS: TransferSettings = {
  policy: DEFAULT_DESTINATION_POLICY,
  templates: { number: 'PJSIP/{number}@trunk', extension: 'PJSIP/{ext}' },
  ringSeconds: 25,
  announcedRingSeconds: DEFAULT_ANNOUNCED_RING_SECONDS,
};

/** An in-call operation, the same whether a feature code or the API asked for it. */
export type FeatureOp =
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'hold-toggle' }
  | { kind: 'voicemail' }
  | { kind: 'hangup' }
  | { kind: 'park' }
  | { kind: 'blind-transfer'; request: TransferRequest | { keyed: string }; rules: ClientTransferRules }
  /** Announced (screened): the receptionist consults the contact first; the caller hears music. */
  | { kind: 'announced-transfer'; request: TransferRequest | { keyed: string }; rules: ClientTransferRules }
  /** While consulting: the caller and the contact are bridged, the receptionist is released. */
  | { kind: 'transfer-complete' }
  /** While consulting: the contact's leg ends, the receptionist is back with the caller. */
  | { kind: 'transfer-cancel' }
  /** While consulting: all three in the caller's bridge. */
  | { kind: 'transfer-three-way' };

export interface FeatureRequest {
  callId: CallId;
  receptionistId: ReceptionistId;
  trigger: FeatureTrigger;
  op: FeatureOp;
}

export type FeatureRefusal =
  | 'no-such-call'
  | 'not-your-call'
  | 'not-connected'
  | 'transfer-in-progress'
  | 'not-on-hold'
  | 'no-voicemail'
  | 'no-free-slot'
  | 'invalid-destination'
  | 'destination-not-allowed'
  | 'no-such-contact'
  | 'contact-unavailable'
  | 'screening-required'
  /** Complete, cancel or three-way with no announced transfer being consulted. */
  | 'no-transfer-in-progress'
  /** Complete or three-way while the contact has not answered yet. */
  | 'contact-not-answered';

export type FeatureResult =
  | { ok: true; commands: Command[] }
  | { ok: false; code: FeatureRefusal; message: string; voicemailOffered?: boolean; commands: Command[] };

interface CallbackState {
  ticket: CallbackTicket;
  /** The outbound leg of the attempt in progress, once the receptionist answered. */
  calleeChannelId: string | null;
  calleeAnswered: boolean;
}

/** A callback waiting for its time (a retry's backoff, the client's opening hours, notBefore). */
interface ScheduledCallback {
  ticket: CallbackTicket;
  client: ClientProfile;
  dueAt: number;
}

export type CancelResult = { ok: true; commands: Command[] } | { ok: false; code: 'no-such-callback' | 'callback-in-progress' };

/** What a callback is doing now, for a restart or a reconnect. */
export interface PendingCallback {
  ticket: CallbackTicket;
  client: ClientProfile;
  state: 'scheduled' | 'queued' | 'dialing';
  dueAt: number;
}

/** A callback whose receptionist answered, for a restart or a reconnect (see reconcile.ts). */
export interface ConnectedCallback {
  ticket: CallbackTicket;
  client: ClientProfile;
  offerId: OfferId;
  receptionistId: ReceptionistId;
  calleeChannelId: string;
  /** The callee answered and the answer is recorded. */
  calleeAnswered: boolean;
  answeredAt: number | null;
}

interface OfferRef {
  callId: CallId;
  receptionistId: ReceptionistId;
  /** idleSince before the offer, given back when the offer ends through no fault of theirs. */
  idleSinceBefore: number;
}

export type PresenceResult = { ok: true; commands: Command[] } | { ok: false; code: 'no-such-receptionist' };

export interface SwitchboardDeps {
  /** A fresh, globally unique offer id; it is also the channel id of the receptionist's leg. */
  newOfferId: (receptionistId: ReceptionistId) => OfferId;
  callbackPolicy?: CallbackPolicy;
  transfers?: TransferSettings;
  park?: ParkSettings;
}

/** A schedule that cannot be read (bad time zone) must not stop the queue: treat it as open. */
function isOpen(schedule: BusinessSchedule, now: number): boolean {
  try {
    return openingStateAt(schedule, now).open;
  } catch {
    return true;
  }
}

function safeNextOpenAt(schedule: BusinessSchedule, from: number): number {
  try {
    return nextOpenAt(schedule, from);
  } catch {
    return from;
  }
}

const timer = {
  ring: (offerId: OfferId) => `ring|${offerId}`,
  overflow: (callId: CallId) => `overflow|${callId}`,
  wrapUp: (id: ReceptionistId) => `wrap|${id}`,
  prompt: (callId: CallId) => `prompt|${callId}`,
  reachable: (id: ReceptionistId) => `reach|${id}`,
  callbackOffer: (callId: CallId) => `cboffer|${callId}`,
  callbackDue: (id: CallbackId) => `cbdue|${id}`,
  calleeRing: (callId: CallId) => `cbring|${callId}`,
  transfer: (callId: CallId) => `xfer|${callId}`,
  park: (callId: CallId) => `park|${callId}`,
};

/**
 * The core queue, with no I/O: every input is an event plus the current time, every output a
 * list of commands. It owns who is waiting, who is free, and which offer belongs to which call.
 */
export class Switchboard {
  private readonly receptionists = new Map<ReceptionistId, Receptionist>();
  private readonly calls = new Map<CallId, LiveCall>();
  private readonly offers = new Map<OfferId, OfferRef>();
  private readonly queue = new CallQueue();
  private readonly scheduled = new Map<CallbackId, ScheduledCallback>();
  /** Outbound callback legs -> the callback entry's call id. */
  private readonly callees = new Map<string, CallId>();
  private readonly policy: CallbackPolicy;
  /** Outbound legs of blind transfers -> the caller's call id. */
  private readonly transferLegs = new Map<string, CallId>();
  private readonly transfers: TransferSettings;
  private transferSeq = 0;
  private readonly parkSettings: ParkSettings;
  /** Park slot -> the call parked in it. */
  private readonly slots = new Map<string, CallId>();

  constructor(private readonly deps: SwitchboardDeps) {
    this.policy = deps.callbackPolicy ?? DEFAULT_CALLBACK_POLICY;
    this.transfers = deps.transfers ?? DEFAULT_TRANSFER_SETTINGS;
    this.parkSettings = deps.park ?? DEFAULT_PARK_SETTINGS;
  }

  // ---- roster ---------------------------------------------------------------------------

  /** Adds or updates a receptionist; a new one starts logged out. */
  upsertReceptionist(profile: ReceptionistProfile, now: number): Command[] {
    const existing = this.receptionists.get(profile.id);
    if (existing) {
      existing.profile = profile;
      return [];
    }
    const r: Receptionist = {
      profile,
      presence: { kind: 'logged-out' },
      idleSince: now,
      presenceSince: now,
      missedInRow: 0,
      reachable: true,
      pending: null,
    };
    this.receptionists.set(profile.id, r);
    return [];
  }

  setPresence(receptionistId: ReceptionistId, request: PresenceRequest, now: number): PresenceResult {
    const r = this.receptionists.get(receptionistId);
    if (!r) return { ok: false, code: 'no-such-receptionist' };
    const out: Command[] = [];
    const p = r.presence;
    switch (request.kind) {
      case 'available':
        r.pending = null;
        if (p.kind === 'logged-out' || p.kind === 'paused' || p.kind === 'wrap-up') {
          if (p.kind === 'wrap-up') out.push({ type: 'cancel-timer', key: timer.wrapUp(r.profile.id) });
          r.missedInRow = 0;
          this.becomeAvailable(r, now, out);
        }
        break;
      case 'paused':
      case 'logged-out': {
        const target: Presence = request.kind === 'paused' ? { kind: 'paused', reason: request.reason } : { kind: 'logged-out' };
        if (p.kind === 'on-call') {
          r.pending = target.kind === 'paused' ? { kind: 'paused', reason: target.reason } : { kind: 'logged-out' };
          out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
          break;
        }
        if (p.kind === 'ringing') this.withdrawOffer(p.offerId, 'cancelled', now, out);
        if (p.kind === 'wrap-up') out.push({ type: 'cancel-timer', key: timer.wrapUp(r.profile.id) });
        r.pending = null;
        this.setPresenceTo(r, target, now, out);
        if (target.kind === 'logged-out') this.overflowIfNobodyLoggedIn(now, out);
        if (p.kind === 'ringing') {
          // The caller they were offered goes back in line at their place, on hold if nobody takes them.
          const call = this.calls.get(p.callId);
          if (call && call.phase === 'waiting') {
            this.queue.remove(call.id);
            this.enqueue(call, now, out);
          }
        }
        break;
      }
    }
    this.dispatch(now, out);
    return { ok: true, commands: out };
  }

  // ---- events ---------------------------------------------------------------------------

  handle(event: SwitchboardEvent, now: number): Command[] {
    const out: Command[] = [];
    switch (event.type) {
      case 'call-arrived':
        this.callArrived(event, now, out);
        break;
      case 'offer-answered':
        this.offerAnswered(event.offerId, now, out);
        break;
      case 'leg-ended':
        this.legEnded(event.offerId, event.reason, now, out);
        break;
      case 'caller-left':
        this.callerLeft(event.callId, now, out);
        break;
      case 'overflow-finished':
        this.overflowFinished(event.callId, event.recording, now, out);
        break;
      case 'timer-fired':
        this.timerFired(event.key, now, out);
        break;
      case 'reachability-changed':
        this.reachabilityChanged(event.receptionistId, event.reachable, now, out);
        break;
      case 'transfer-answered':
        this.transferAnswered(event.channelId, now, out);
        break;
      case 'transfer-ended':
        this.transferEnded(event.channelId, event.reason, now, out);
        break;
    }
    this.dispatch(now, out);
    return out;
  }

  private callArrived(e: Extract<SwitchboardEvent, { type: 'call-arrived' }>, now: number, out: Command[]): void {
    if (this.calls.has(e.callId)) return;
    const call: LiveCall = {
      id: e.callId,
      client: e.client,
      did: e.did,
      caller: e.caller,
      knownNumber: e.knownNumber,
      arrivedAt: e.arrivedAt ?? now,
      enqueuedAt: e.arrivedAt ?? now,
      phase: 'waiting',
      offer: null,
      receptionistId: null,
      answeredAt: null,
      onHold: false,
      callbackOffered: false,
      callback: null,
    };
    this.calls.set(call.id, call);
    const first = out.length;
    out.push({
      type: 'log',
      entry: { kind: 'arrived', callId: call.id, at: call.arrivedAt, clientId: e.client.id, did: e.did, caller: e.caller, knownNumber: e.knownNumber },
    });
    if (!this.anyoneLoggedIn()) {
      this.overflow(call, 'nobody-logged-in', now, out);
      return;
    }
    if (e.client.maxWaitSeconds > 0) {
      const ms = Math.max(0, call.arrivedAt + e.client.maxWaitSeconds * 1000 - now);
      out.push({ type: 'start-timer', key: timer.overflow(call.id), ms });
    }
    this.enqueue(call, now, out);
    if (call.phase === 'offering') {
      // The originate is the latency that matters: it goes out before anything else.
      const at = out.findIndex((c, i) => i >= first && c.type === 'originate' && c.offer.callId === call.id);
      if (at > first) {
        const [originate] = out.splice(at, 1);
        out.splice(first, 0, originate);
      }
      out.push({ type: 'ring-caller', callId: call.id });
    }
  }

  private offerAnswered(offerId: OfferId, now: number, out: Command[]): void {
    const ref = this.offers.get(offerId);
    const call = ref && this.calls.get(ref.callId);
    if (!ref || !call || call.offer?.offerId !== offerId || call.phase !== 'offering') {
      // Race: the caller left, the offer timed out, or the receptionist logged out as they
      // picked up. Nobody is there for them: put the phone down.
      out.push({ type: 'hangup-leg', callId: ref?.callId ?? '', offerId });
      return;
    }
    const r = this.receptionists.get(ref.receptionistId)!;
    if (call.callback) {
      this.callbackReceptionistAnswered(call, call.callback, r, offerId, now, out);
      return;
    }
    out.push({ type: 'cancel-timer', key: timer.ring(offerId) });
    out.push({ type: 'cancel-timer', key: timer.prompt(call.id) });
    out.push({ type: 'cancel-timer', key: timer.callbackOffer(call.id) });
    call.phase = 'connected';
    call.offer = { ...call.offer, answered: true };
    call.receptionistId = r.profile.id;
    call.answeredAt = now;
    r.missedInRow = 0;
    this.setPresenceTo(r, { kind: 'on-call', callId: call.id }, now, out);
    out.push({ type: 'connect', callId: call.id, offerId });
    const waitMs = now - call.arrivedAt;
    out.push({ type: 'log', entry: { kind: 'offer-ended', callId: call.id, at: now, offerId, receptionistId: r.profile.id, outcome: 'answered' } });
    out.push({ type: 'log', entry: { kind: 'answered', callId: call.id, at: now, receptionistId: r.profile.id, waitMs } });
    out.push({
      type: 'screen-pop',
      pop: {
        callId: call.id,
        clientId: call.client.id,
        clientName: call.client.name,
        greeting: call.client.greeting,
        callerName: call.caller.name,
        callerNumber: call.caller.number,
        did: call.did,
        waitMs,
        receptionistId: r.profile.id,
        receptionistName: r.profile.name,
        at: now,
      },
    });
    this.saveCall(call, out);
  }

  private legEnded(offerId: OfferId, reason: LegEndReason, now: number, out: Command[]): void {
    const ref = this.offers.get(offerId);
    if (!ref) return;
    this.offers.delete(offerId);
    const call = this.calls.get(ref.callId);
    if (!call || call.offer?.offerId !== offerId) return; // an offer we had already withdrawn
    if (call.phase === 'connected' && call.callback) {
      this.callbackReceptionistLeft(call, call.callback, now, out);
      return;
    }
    if (call.phase === 'connected' && call.transfer?.mode === 'announced') {
      this.receptionistLeftConsult(call, call.transfer, now, out);
      return;
    }
    if (call.phase === 'connected') {
      // The receptionist put the phone down: the caller's leg ends too.
      out.push({ type: 'hangup-caller', callId: call.id });
      this.endCall(call, 'completed', 'receptionist', now, out);
      return;
    }
    const outcome: OfferOutcome = reason === 'hangup' ? 'failed' : reason;
    this.offerMissed(call, ref, outcome, now, out);
  }

  private callerLeft(callId: CallId, now: number, out: Command[]): void {
    const call = this.calls.get(callId);
    if (!call) return;
    switch (call.phase) {
      case 'connected':
        // Consulting: the contact's leg ends with the call (endCall), the receptionist goes to wrap-up.
        if (call.transfer?.mode === 'announced') this.logConsult(call, call.transfer, 'caller-left', 'caller', now, out);
        if (call.offer) out.push({ type: 'hangup-leg', callId, offerId: call.offer.offerId });
        this.endCall(call, 'completed', 'caller', now, out);
        return;
      case 'offering':
        this.withdrawOffer(call.offer!.offerId, 'cancelled', now, out);
        // A caller who had been answered (back from a transfer or park) completes, not abandons.
        this.endCall(call, call.answeredAt !== null ? 'completed' : 'abandoned', 'caller', now, out);
        return;
      case 'waiting':
        this.endCall(call, call.answeredAt !== null ? 'completed' : 'abandoned', 'caller', now, out);
        return;
      case 'parked': {
        const park = call.park!;
        out.push({ type: 'log', entry: { kind: 'park-ended', callId, at: now, slot: park.slot, outcome: 'caller-left', receptionistId: null, next: 'ended' } });
        this.endCall(call, 'completed', 'caller', now, out);
        return;
      }
      case 'overflow': {
        const outcome: CallOutcome = call.client.overflow.kind === 'voicemail' ? 'voicemail' : 'announcement';
        this.endCall(call, outcome, 'caller', now, out);
        return;
      }
    }
  }

  private overflowFinished(callId: CallId, recording: string | null, now: number, out: Command[]): void {
    const call = this.calls.get(callId);
    if (!call || call.phase !== 'overflow') return;
    if (recording) out.push({ type: 'log', entry: { kind: 'voicemail-recorded', callId, at: now, recording } });
    out.push({ type: 'hangup-caller', callId });
    this.endCall(call, call.client.overflow.kind === 'voicemail' ? 'voicemail' : 'announcement', 'system', now, out);
  }

  private timerFired(key: string, now: number, out: Command[]): void {
    const [kind, id] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
    switch (kind) {
      case 'ring': {
        const ref = this.offers.get(id);
        const call = ref && this.calls.get(ref.callId);
        if (!ref || !call || call.phase !== 'offering' || call.offer?.offerId !== id) return;
        out.push({ type: 'hangup-leg', callId: call.id, offerId: id });
        this.offers.delete(id);
        this.offerMissed(call, ref, 'no-answer', now, out);
        return;
      }
      case 'overflow': {
        const call = this.calls.get(id);
        if (!call || (call.phase !== 'waiting' && call.phase !== 'offering')) return;
        if (call.phase === 'offering') this.withdrawOffer(call.offer!.offerId, 'cancelled', now, out);
        this.overflow(call, 'max-wait', now, out);
        return;
      }
      case 'wrap': {
        const r = this.receptionists.get(id);
        if (!r || r.presence.kind !== 'wrap-up') return;
        this.leaveWrapUp(r, now, out);
        return;
      }
      case 'prompt': {
        const call = this.calls.get(id);
        if (!call || !call.onHold || (call.phase !== 'waiting' && call.phase !== 'offering')) return;
        this.playHoldPrompt(call, out);
        return;
      }
      case 'cboffer': {
        const call = this.calls.get(id);
        if (!call || call.callback || call.callbackOffered) return;
        if (call.phase === 'offering') {
          // A phone rings for them right now; ask again shortly if it is not answered.
          out.push({ type: 'start-timer', key: timer.callbackOffer(id), ms: 5000 });
          return;
        }
        if (call.phase !== 'waiting') return;
        call.callbackOffered = true;
        out.push({ type: 'offer-callback', callId: id, callerNumber: call.caller.number });
        this.saveCall(call, out);
        return;
      }
      case 'cbdue': {
        const entry = this.scheduled.get(id);
        if (!entry) return;
        this.scheduled.delete(id);
        this.enterQueue(entry.ticket, entry.client, now, out);
        return;
      }
      case 'cbring': {
        const call = this.calls.get(id);
        const cb = call?.callback;
        if (!call || !cb || !cb.calleeChannelId || cb.calleeAnswered) return;
        out.push({ type: 'hangup-callee', callId: call.id, channelId: cb.calleeChannelId });
        this.callees.delete(cb.calleeChannelId);
        if (call.offer) out.push({ type: 'hangup-leg', callId: call.id, offerId: call.offer.offerId });
        this.callbackAttemptFailed(call, cb, 'no-answer', now, out);
        return;
      }
      case 'park': {
        const call = this.calls.get(id);
        if (!call || call.phase !== 'parked' || !call.park) return;
        const park = call.park;
        this.unpark(call);
        const next = this.comeBack(call, park.byReceptionistId, now, out);
        out.push({ type: 'log', entry: { kind: 'park-ended', callId: id, at: now, slot: park.slot, outcome: 'timeout', receptionistId: null, next } });
        return;
      }
      case 'xfer': {
        const call = this.calls.get(id);
        const t = call?.transfer;
        if (!call || !t || t.answered) return;
        out.push({ type: 'hangup-transfer', callId: id, channelId: t.channelId });
        if (t.mode === 'announced') this.consultLegEnded(call, t, 'no-answer', now, out);
        else this.transferFailed(call, t, 'no-answer', now, out);
        return;
      }
      case 'reach': {
        const r = this.receptionists.get(id);
        if (r && !r.reachable) {
          r.reachable = true;
          out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
        }
        return;
      }
    }
  }

  private reachabilityChanged(id: ReceptionistId, reachable: boolean, _now: number, out: Command[]): void {
    const r = this.receptionists.get(id);
    if (!r || r.reachable === reachable) return;
    r.reachable = reachable;
    if (reachable) out.push({ type: 'cancel-timer', key: timer.reachable(id) });
    out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
  }

  // ---- in-call operations (feature codes and the API) ------------------------------------

  /**
   * One in-call operation asked by the receptionist on the call, from their phone or the API:
   * the same rules either way. Every transfer attempt, made or refused, goes to the timeline
   * with who asked for it.
   */
  feature(req: FeatureRequest, now: number): FeatureResult {
    const out: Command[] = [];
    const call = this.calls.get(req.callId);
    if (!call || call.callback) return { ok: false, code: 'no-such-call', message: 'No live call with that id.', commands: out };
    const mine = call.phase === 'connected' && call.receptionistId === req.receptionistId && call.offer?.receptionistId === req.receptionistId;
    const refuse = (code: FeatureRefusal, message: string, extra: { voicemailOffered?: boolean } = {}): FeatureResult => {
      this.logFeatureRefusal(call, req, code, now, out);
      return { ok: false, code, message, ...extra, commands: out };
    };
    if (!mine) {
      const theirs = call.receptionistId ?? call.offer?.receptionistId ?? null;
      if (theirs !== null && theirs !== req.receptionistId) return refuse('not-your-call', 'This call is not connected to that receptionist.');
      return refuse('not-connected', 'The call is not connected to a receptionist.');
    }
    const consultOp = req.op.kind === 'transfer-complete' || req.op.kind === 'transfer-cancel' || req.op.kind === 'transfer-three-way';
    if (consultOp) {
      const t = call.transfer;
      if (!t || t.mode !== 'announced') return refuse('no-transfer-in-progress', 'No announced transfer is being consulted on this call.');
      if (req.op.kind !== 'transfer-cancel' && !t.answered) return refuse('contact-not-answered', 'The contact has not answered yet.');
      if (req.op.kind === 'transfer-complete') this.completeConsult(call, t, req.trigger, now, out);
      else if (req.op.kind === 'transfer-cancel') this.cancelConsult(call, t, req.trigger, now, out);
      else this.threeWay(call, t, req.trigger, now, out);
      this.dispatch(now, out);
      return { ok: true, commands: out };
    }
    if (call.transfer) return refuse('transfer-in-progress', 'The call is being transferred.');
    const op = req.op.kind === 'hold-toggle' ? { kind: call.held ? ('resume' as const) : ('hold' as const) } : req.op;
    switch (op.kind) {
      case 'hold':
        if (!call.held) {
          call.held = true;
          out.push({ type: 'hold-caller-aside', callId: call.id, mohClass: call.client.mohClass });
          this.saveCall(call, out);
        }
        this.logFeature(call, req, 'hold', now, out);
        break;
      case 'resume':
        if (!call.held) return refuse('not-on-hold', 'The caller is not on hold.');
        call.held = false;
        out.push({ type: 'resume-caller', callId: call.id });
        this.saveCall(call, out);
        this.logFeature(call, req, 'resume', now, out);
        break;
      case 'hangup':
        this.logFeature(call, req, 'hangup', now, out);
        out.push({ type: 'hangup-caller', callId: call.id });
        out.push({ type: 'hangup-leg', callId: call.id, offerId: call.offer!.offerId });
        this.endCall(call, 'completed', 'receptionist', now, out);
        break;
      case 'park': {
        const slot = this.parkSettings.slots.find((s) => !this.slots.has(s));
        if (!slot) return refuse('no-free-slot', 'Every park slot is taken.');
        if (call.held) {
          call.held = false;
          out.push({ type: 'resume-caller', callId: call.id });
        }
        const offerId = call.offer!.offerId;
        // The receptionist hears the slot, then their leg is hung up (announce-park does both).
        this.offers.delete(offerId);
        call.offer = null;
        out.push({ type: 'announce-park', callId: call.id, offerId, slot });
        const r = this.receptionists.get(req.receptionistId);
        call.receptionistId = null;
        if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.enterWrapUp(r, call.id, now, out);
        call.phase = 'parked';
        call.park = { slot, byReceptionistId: req.receptionistId, at: now };
        this.slots.set(slot, call.id);
        out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
        call.onHold = true;
        out.push({ type: 'start-timer', key: timer.park(call.id), ms: this.parkSettings.timeoutSeconds * 1000 });
        out.push({ type: 'log', entry: { kind: 'parked', callId: call.id, at: now, slot, receptionistId: req.receptionistId, trigger: req.trigger } });
        this.saveCall(call, out);
        break;
      }
      case 'voicemail': {
        const treatment = call.client.overflow;
        if (treatment.kind !== 'voicemail') return refuse('no-voicemail', 'This client takes no voicemail.');
        this.logFeature(call, req, 'voicemail', now, out);
        this.releaseReceptionist(call, now, out);
        call.held = false;
        call.phase = 'overflow';
        out.push({ type: 'unbridge-caller', callId: call.id });
        out.push({ type: 'overflow', callId: call.id, treatment });
        this.saveCall(call, out);
        break;
      }
      case 'blind-transfer':
      case 'announced-transfer': {
        const mode = op.kind === 'blind-transfer' ? 'blind' : 'announced';
        const checked = this.checkTransfer(call, req, op.request, op.rules, mode, now, out);
        if (!checked.ok) return checked.result;
        if (mode === 'blind') this.startTransfer(call, req.receptionistId, checked.destination, checked.endpoint, now, out);
        else this.startConsult(call, req.receptionistId, checked.destination, checked.contactCode, checked.endpoint, now, out);
        break;
      }
      case 'transfer-complete':
      case 'transfer-cancel':
      case 'transfer-three-way':
        break; // handled above
    }
    this.dispatch(now, out);
    return { ok: true, commands: out };
  }

  /** The call a receptionist's leg (offer channel) belongs to, while it is connected. */
  connectedCallOfLeg(offerId: OfferId): { callId: CallId; receptionistId: ReceptionistId; clientId: string } | null {
    const ref = this.offers.get(offerId);
    const call = ref && this.calls.get(ref.callId);
    if (!ref || !call || call.phase !== 'connected' || call.offer?.offerId !== offerId || call.callback) return null;
    return { callId: call.id, receptionistId: ref.receptionistId, clientId: call.client.id };
  }

  /** Whether this receptionist leg is consulting a contact (announced transfer): its digits are read as consultation codes. */
  isConsulting(offerId: OfferId): boolean {
    const ref = this.offers.get(offerId);
    const call = ref && this.calls.get(ref.callId);
    return !!call && call.offer?.offerId === offerId && call.transfer?.mode === 'announced';
  }

  private logFeature(call: LiveCall, req: FeatureRequest, action: 'hold' | 'resume' | 'voicemail' | 'hangup', now: number, out: Command[]): void {
    out.push({ type: 'log', entry: { kind: 'feature', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, action, result: 'done', code: null } });
  }

  /**
   * A transfer's destination, checked by the client's rules (an announced transfer may reach an
   * `always_screen` contact; a blind one may not) and turned into a dial string. The attempt is
   * logged either way: `dialing`, or `refused` with its code.
   */
  private checkTransfer(
    call: LiveCall,
    req: FeatureRequest,
    request: TransferRequest | { keyed: string },
    rules: ClientTransferRules,
    mode: 'blind' | 'announced',
    now: number,
    out: Command[],
  ): { ok: true; destination: string; contactCode: string | null; endpoint: string } | { ok: false; result: FeatureResult } {
    const requested = requestForLog(request);
    const log = (result: 'dialing' | 'refused', destination: string | null, contactCode: string | null, code: string | null) =>
      out.push({
        type: 'log',
        entry: { kind: 'transfer', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, mode, requested, destination, contactCode, result, code },
      });
    const decision = decideDestination(request, rules, this.transfers.policy, mode === 'announced' ? { screened: true } : undefined);
    if (!decision.ok) {
      log('refused', null, null, decision.code);
      return { ok: false, result: { ok: false, code: decision.code, message: decision.message, ...(decision.voicemailOffered ? { voicemailOffered: true } : {}), commands: out } };
    }
    const destination = describeDestination(decision.destination);
    const contactCode = decision.destination.contact?.code ?? null;
    let endpoint: string;
    try {
      endpoint = dialString(decision.destination, this.transfers.templates);
    } catch {
      log('refused', destination, contactCode, 'invalid-destination');
      return { ok: false, result: { ok: false, code: 'invalid-destination', message: 'That destination cannot be dialled.', commands: out } };
    }
    log('dialing', destination, contactCode, null);
    return { ok: true, destination, contactCode, endpoint };
  }

  private logFeatureRefusal(call: LiveCall, req: FeatureRequest, code: FeatureRefusal, now: number, out: Command[]): void {
    const op = req.op;
    if (op.kind === 'transfer-complete' || op.kind === 'transfer-cancel' || op.kind === 'transfer-three-way') {
      const step: ConsultStep = op.kind === 'transfer-complete' ? 'completed' : op.kind === 'transfer-cancel' ? 'cancelled' : 'three-way';
      const t = call.transfer?.mode === 'announced' ? call.transfer : null;
      out.push({
        type: 'log',
        entry: {
          kind: 'consult',
          callId: call.id,
          at: now,
          receptionistId: req.receptionistId,
          trigger: req.trigger,
          step,
          result: 'refused',
          destination: t?.destination ?? null,
          contactCode: t?.contactCode ?? null,
          code,
        },
      });
      return;
    }
    if (op.kind === 'blind-transfer' || op.kind === 'announced-transfer') {
      out.push({
        type: 'log',
        entry: {
          kind: 'transfer',
          callId: call.id,
          at: now,
          receptionistId: req.receptionistId,
          trigger: req.trigger,
          mode: op.kind === 'blind-transfer' ? 'blind' : 'announced',
          requested: requestForLog(op.request),
          destination: null,
          contactCode: null,
          result: 'refused',
          code,
        },
      });
      return;
    }
    const action = op.kind === 'hold-toggle' ? (call.held ? 'resume' : 'hold') : op.kind;
    if (action === 'park') {
      out.push({ type: 'log', entry: { kind: 'feature', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, action, result: 'refused', code } });
      return;
    }
    out.push({ type: 'log', entry: { kind: 'feature', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, action, result: 'refused', code } });
  }

  /** The receptionist's part in the call is over (the call goes on without them): wrap-up. */
  private releaseReceptionist(call: LiveCall, now: number, out: Command[]): ReceptionistId | null {
    const receptionistId = call.receptionistId;
    if (call.offer) {
      out.push({ type: 'hangup-leg', callId: call.id, offerId: call.offer.offerId });
      this.offers.delete(call.offer.offerId);
    }
    call.offer = null;
    call.receptionistId = null;
    const r = receptionistId ? this.receptionists.get(receptionistId) : undefined;
    if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.enterWrapUp(r, call.id, now, out);
    return receptionistId;
  }

  private startTransfer(call: LiveCall, receptionistId: ReceptionistId, destination: string, endpoint: string, now: number, out: Command[]): void {
    if (call.held) {
      call.held = false;
      out.push({ type: 'resume-caller', callId: call.id });
    }
    this.releaseReceptionist(call, now, out);
    const channelId = `sb-xfer-${call.id}-${(this.transferSeq++).toString(36)}`;
    call.transfer = { channelId, destination, answered: false, fromReceptionistId: receptionistId };
    this.transferLegs.set(channelId, call.id);
    // The caller hears the client's music while the destination rings.
    out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
    call.onHold = true;
    out.push({
      type: 'dial-transfer',
      callId: call.id,
      channelId,
      endpoint,
      callerName: call.caller.name,
      callerNumber: call.caller.number,
      timeoutSeconds: this.transfers.ringSeconds,
    });
    out.push({ type: 'start-timer', key: timer.transfer(call.id), ms: (this.transfers.ringSeconds + 5) * 1000 });
    this.saveCall(call, out);
  }

  // ---- announced (screened) transfer ------------------------------------------------------

  /**
   * The receptionist's leg moves to a consultation bridge and the contact is dialled into it;
   * the caller stays in their bridge with the client's music. The receptionist stays on the call.
   */
  private startConsult(call: LiveCall, receptionistId: ReceptionistId, destination: string, contactCode: string | null, endpoint: string, _now: number, out: Command[]): void {
    if (call.held) {
      call.held = false;
      out.push({ type: 'resume-caller', callId: call.id });
    }
    const channelId = `sb-xfer-${call.id}-${(this.transferSeq++).toString(36)}`;
    call.transfer = { channelId, destination, answered: false, fromReceptionistId: receptionistId, mode: 'announced', contactCode };
    this.transferLegs.set(channelId, call.id);
    const ringSeconds = this.transfers.announcedRingSeconds ?? DEFAULT_ANNOUNCED_RING_SECONDS;
    out.push({ type: 'consult-start', callId: call.id, offerId: call.offer!.offerId, mohClass: call.client.mohClass });
    out.push({
      type: 'dial-transfer',
      callId: call.id,
      channelId,
      endpoint,
      callerName: call.caller.name,
      callerNumber: call.caller.number,
      timeoutSeconds: ringSeconds,
    });
    // The originate's own timeout ends an unanswered leg; this timer is the backstop.
    out.push({ type: 'start-timer', key: timer.transfer(call.id), ms: ringSeconds * 1000 + 2000 });
    this.saveCall(call, out);
  }

  private logConsult(call: LiveCall, t: TransferState, step: ConsultStep, trigger: ConsultTrigger, now: number, out: Command[]): void {
    out.push({
      type: 'log',
      entry: {
        kind: 'consult',
        callId: call.id,
        at: now,
        receptionistId: t.fromReceptionistId,
        trigger,
        step,
        result: 'done',
        destination: t.destination,
        contactCode: t.contactCode ?? null,
        code: null,
      },
    });
  }

  /** The consultation ends without a transfer: the receptionist is back with the caller. */
  private backToCaller(call: LiveCall, t: TransferState, step: ConsultStep, trigger: ConsultTrigger, notify: boolean, now: number, out: Command[]): void {
    this.transferLegs.delete(t.channelId);
    call.transfer = null;
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    const offerId = call.offer?.offerId;
    // In a three-way call the receptionist is in the caller's bridge already.
    if (offerId && !t.threeWay) out.push({ type: 'consult-return', callId: call.id, offerId });
    if (offerId && notify) out.push({ type: 'notify-receptionist', callId: call.id, offerId });
    this.logConsult(call, t, step, trigger, now, out);
    this.saveCall(call, out);
  }

  /** The consulted contact's leg ended: declined (hung up), or never answered (no answer, busy, unreachable). */
  private consultLegEnded(call: LiveCall, t: TransferState, reason: LegEndReason, now: number, out: Command[]): void {
    if (t.answered) {
      this.backToCaller(call, t, t.threeWay ? 'contact-left' : 'declined', 'contact', false, now, out);
      return;
    }
    const step: ConsultStep = reason === 'hangup' ? 'failed' : reason;
    this.backToCaller(call, t, step, step === 'busy' ? 'contact' : 'system', true, now, out);
  }

  private cancelConsult(call: LiveCall, t: TransferState, trigger: FeatureTrigger, now: number, out: Command[]): void {
    out.push({ type: 'hangup-transfer', callId: call.id, channelId: t.channelId });
    this.backToCaller(call, t, 'cancelled', trigger, false, now, out);
  }

  private threeWay(call: LiveCall, t: TransferState, trigger: FeatureTrigger, now: number, out: Command[]): void {
    if (t.threeWay) return;
    t.threeWay = true;
    out.push({ type: 'consult-three-way', callId: call.id, offerId: call.offer!.offerId, channelId: t.channelId });
    this.logConsult(call, t, 'three-way', trigger, now, out);
    this.saveCall(call, out);
  }

  /**
   * Completed: the caller and the contact are bridged and the receptionist is released to
   * wrap-up. From here on the call is exactly a completed blind transfer (either side hanging up
   * ends it; it survives a restart the same way).
   */
  private completeConsult(call: LiveCall, t: TransferState, trigger: ConsultTrigger, now: number, out: Command[]): void {
    out.push({ type: 'consult-complete', callId: call.id, channelId: t.channelId });
    this.logConsult(call, t, 'completed', trigger, now, out);
    call.transfer = { channelId: t.channelId, destination: t.destination, answered: true, fromReceptionistId: t.fromReceptionistId };
    call.onHold = false;
    this.releaseReceptionist(call, now, out);
    this.saveCall(call, out);
  }

  /**
   * The receptionist hung up while consulting. With the contact on the line that completes the
   * transfer (as Asterisk's attended transfer does); while the contact still rings, the contact's
   * leg ends and the caller goes to the front of the line (never dropped).
   */
  private receptionistLeftConsult(call: LiveCall, t: TransferState, now: number, out: Command[]): void {
    // The leg is gone already: nothing to hang up.
    call.offer = null;
    if (t.answered) {
      this.completeConsult(call, t, 'receptionist-hangup', now, out);
      return;
    }
    out.push({ type: 'hangup-transfer', callId: call.id, channelId: t.channelId });
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    this.transferLegs.delete(t.channelId);
    call.transfer = null;
    this.logConsult(call, t, 'receptionist-left', 'receptionist-hangup', now, out);
    const receptionistId = call.receptionistId;
    call.receptionistId = null;
    call.onHold = true; // the caller hears the music of the consultation already
    call.phase = 'waiting';
    call.returning = true;
    const r = receptionistId ? this.receptionists.get(receptionistId) : undefined;
    if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.enterWrapUp(r, call.id, now, out);
    if (!this.anyoneLoggedIn()) this.overflow(call, 'nobody-logged-in', now, out);
    else this.enqueue(call, now, out);
    this.saveCall(call, out);
  }

  private transferAnswered(channelId: string, now: number, out: Command[]): void {
    const callId = this.transferLegs.get(channelId);
    const call = callId ? this.calls.get(callId) : undefined;
    const t = call?.transfer;
    if (!call || !t || t.channelId !== channelId || t.answered) {
      out.push({ type: 'hangup-transfer', callId: callId ?? '', channelId }); // nobody is there for them
      return;
    }
    t.answered = true;
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    if (t.mode === 'announced') {
      // The receptionist announces the caller; the caller keeps hearing music.
      out.push({ type: 'consult-connect', callId: call.id, channelId });
      this.logConsult(call, t, 'answered', 'contact', now, out);
      this.saveCall(call, out);
      return;
    }
    call.onHold = false;
    out.push({ type: 'connect-transfer', callId: call.id, channelId });
    out.push({ type: 'log', entry: { kind: 'transfer-ended', callId: call.id, at: now, destination: t.destination, outcome: 'answered', next: 'connected' } });
    this.saveCall(call, out);
  }

  private transferEnded(channelId: string, reason: LegEndReason, now: number, out: Command[]): void {
    const callId = this.transferLegs.get(channelId);
    if (!callId) return;
    this.transferLegs.delete(channelId);
    const call = this.calls.get(callId);
    const t = call?.transfer;
    if (!call || !t || t.channelId !== channelId) return;
    if (t.mode === 'announced') {
      this.consultLegEnded(call, t, reason, now, out);
      return;
    }
    if (t.answered) {
      // The destination hung up after talking with the caller: the call is over.
      call.transfer = null;
      out.push({ type: 'hangup-caller', callId });
      this.endCall(call, 'completed', 'system', now, out);
      return;
    }
    out.push({ type: 'cancel-timer', key: timer.transfer(callId) });
    this.transferFailed(call, t, reason === 'hangup' ? 'failed' : reason, now, out);
  }

  /**
   * The destination did not answer (busy, no answer, unreachable): the caller is never dropped.
   * Back to the receptionist who transferred them if they are still free, else to the front of
   * the line.
   */
  private transferFailed(call: LiveCall, t: TransferState, outcome: 'busy' | 'no-answer' | 'unreachable' | 'failed', now: number, out: Command[]): void {
    this.transferLegs.delete(t.channelId);
    call.transfer = null;
    const free = this.isFreeFor(call, t.fromReceptionistId);
    out.push({
      type: 'log',
      entry: { kind: 'transfer-ended', callId: call.id, at: now, destination: t.destination, outcome, next: free ? 'back-to-receptionist' : 'queue' },
    });
    this.comeBack(call, t.fromReceptionistId, now, out);
  }

  /** Still free for this call: available, or wrapping up after it (and not about to pause). */
  private isFreeFor(call: LiveCall, receptionistId: ReceptionistId): boolean {
    const r = this.receptionists.get(receptionistId);
    return (
      !!r &&
      r.reachable &&
      (r.presence.kind === 'available' || (r.presence.kind === 'wrap-up' && r.presence.callId === call.id)) &&
      !r.pending
    );
  }

  /**
   * A caller who had been answered comes back (failed transfer, park timeout): to the receptionist
   * who had them if still free, else to the front of the line; never dropped.
   */
  private comeBack(call: LiveCall, receptionistId: ReceptionistId, now: number, out: Command[]): 'back-to-receptionist' | 'queue' {
    call.phase = 'waiting';
    call.returning = true;
    const r = this.receptionists.get(receptionistId);
    if (r && this.isFreeFor(call, receptionistId)) {
      if (r.presence.kind === 'wrap-up') {
        out.push({ type: 'cancel-timer', key: timer.wrapUp(r.profile.id) });
        this.setPresenceTo(r, { kind: 'available' }, now, out); // idle since their last call ended
      }
      this.offer(call, r, now, out);
      return 'back-to-receptionist';
    }
    if (!this.anyoneLoggedIn()) {
      this.overflow(call, 'nobody-logged-in', now, out);
      return 'queue';
    }
    this.enqueue(call, now, out);
    return 'queue';
  }

  private unpark(call: LiveCall, out?: Command[]): void {
    if (!call.park) return;
    if (this.slots.get(call.park.slot) === call.id) this.slots.delete(call.park.slot);
    out?.push({ type: 'cancel-timer', key: timer.park(call.id) });
    call.park = null;
  }

  /**
   * A receptionist takes a parked call back: their phone is rung for it (ringing, answer, bridge as
   * any offer). Two retrieves of one slot: the serial executor runs them one after the other, the
   * first empties the slot, the second finds nothing (exactly one winner).
   */
  retrieveParked(slot: string, receptionistId: ReceptionistId, now: number): RetrieveResult {
    const callId = this.slots.get(slot);
    const call = callId ? this.calls.get(callId) : undefined;
    if (!call || call.phase !== 'parked' || !call.park) return { ok: false, code: 'no-such-parked-call', message: 'No call is parked in that slot.' };
    const r = this.receptionists.get(receptionistId);
    if (!r) return { ok: false, code: 'no-such-receptionist', message: 'No receptionist with that id.' };
    const free = r.reachable && !r.pending && (r.presence.kind === 'available' || r.presence.kind === 'wrap-up');
    if (!free) return { ok: false, code: 'receptionist-busy', message: 'That receptionist is not free to take a call.' };
    const out: Command[] = [];
    this.unpark(call, out);
    out.push({ type: 'log', entry: { kind: 'park-ended', callId: call.id, at: now, slot, outcome: 'retrieved', receptionistId, next: 'receptionist' } });
    call.phase = 'waiting';
    call.returning = true;
    if (r.presence.kind === 'wrap-up') {
      out.push({ type: 'cancel-timer', key: timer.wrapUp(r.profile.id) });
      this.setPresenceTo(r, { kind: 'available' }, now, out);
    }
    this.offer(call, r, now, out);
    this.dispatch(now, out);
    return { ok: true, callId: call.id, commands: out };
  }

  /** Parked calls, by slot. */
  parked(): Array<{ slot: string; callId: CallId; clientId: string; parkedBy: ReceptionistId; since: number; callerName: string; callerNumber: string }> {
    const list = [];
    for (const [slot, callId] of this.slots) {
      const call = this.calls.get(callId);
      if (!call?.park) continue;
      list.push({ slot, callId, clientId: call.client.id, parkedBy: call.park.byReceptionistId, since: call.park.at, callerName: call.caller.name, callerNumber: call.caller.number });
    }
    return list.sort((a, b) => a.slot.localeCompare(b.slot));
  }

  private queueEntry(call: LiveCall): { callId: CallId; priorityTier: number; enqueuedAt: number } {
    return { callId: call.id, priorityTier: call.returning ? FRONT_TIER : call.client.priorityTier, enqueuedAt: call.enqueuedAt };
  }

  // ---- callbacks ------------------------------------------------------------------------

  handleCallback(event: CallbackEvent, now: number): Command[] {
    const out: Command[] = [];
    switch (event.type) {
      case 'callback-requested':
        this.callbackRequested(event.callId, event.ticket, now, out);
        break;
      case 'callback-scheduled':
        this.scheduleOrEnter(event.ticket, event.client, event.dueAt, now, out);
        break;
      case 'callee-answered':
        this.calleeAnswered(event.channelId, now, out);
        break;
      case 'callee-ended':
        this.calleeEnded(event.channelId, event.reason, now, out);
        break;
    }
    this.dispatch(now, out);
    return out;
  }

  /** Cancels a callback that is scheduled or waiting (or being offered); one being dialled cannot be. */
  cancelCallback(id: CallbackId, now: number): CancelResult {
    const out: Command[] = [];
    const entry = this.scheduled.get(id);
    if (entry) {
      this.scheduled.delete(id);
      out.push({ type: 'cancel-timer', key: timer.callbackDue(id) });
      this.callbackUpdate(entry.ticket, 'cancelled', null, null, out);
      return { ok: true, commands: out };
    }
    const call = this.calls.get(callbackCallId(id));
    if (!call?.callback) return { ok: false, code: 'no-such-callback' };
    if (call.phase === 'connected') return { ok: false, code: 'callback-in-progress' };
    if (call.phase === 'offering' && call.offer) this.withdrawOffer(call.offer.offerId, 'cancelled', now, out);
    this.callbackUpdate(call.callback.ticket, 'cancelled', null, null, out);
    this.endCall(call, 'abandoned', 'system', now, out);
    this.dispatch(now, out);
    return { ok: true, commands: out };
  }

  /** Every callback not finished, for a restart or a reconnect. */
  pendingCallbacks(): PendingCallback[] {
    const list: PendingCallback[] = [...this.scheduled.values()].map((e) => ({ ...e, state: 'scheduled' as const }));
    for (const call of this.calls.values()) {
      if (!call.callback || call.callback.calleeAnswered) continue; // answered: recorded as completed
      const dialing = call.phase === 'connected';
      list.push({ ticket: call.callback.ticket, client: call.client, state: dialing ? 'dialing' : 'queued', dueAt: call.enqueuedAt });
    }
    return list;
  }

  hasCallback(id: CallbackId): boolean {
    return this.scheduled.has(id) || this.calls.has(callbackCallId(id));
  }

  private armCallbackOffer(call: LiveCall, now: number, out: Command[]): void {
    const after = call.client.callbackOfferAfterSeconds ?? 0;
    if (after <= 0 || call.callback || call.callbackOffered) return;
    out.push({ type: 'start-timer', key: timer.callbackOffer(call.id), ms: Math.max(0, call.enqueuedAt + after * 1000 - now) });
  }

  private callbackRequested(callId: CallId, requested: CallbackTicket, now: number, out: Command[]): void {
    const call = this.calls.get(callId);
    if (!call || call.callback || (call.phase !== 'waiting' && call.phase !== 'offering')) return;
    if (call.phase === 'offering' && call.offer) this.withdrawOffer(call.offer.offerId, 'cancelled', now, out);
    const waitMs = now - call.arrivedAt;
    // The callback takes the caller's place: same tier, same time in line.
    const ticket: CallbackTicket = { ...requested, enqueuedAt: call.enqueuedAt, priorityTier: call.client.priorityTier, originalWaitMs: waitMs, originalCallId: call.id };
    out.push({ type: 'log', entry: { kind: 'callback-requested', callId, at: now, callbackId: ticket.id, waitMs } });
    this.endCall(call, 'callback', 'caller', now, out);
    this.enterQueue(ticket, call.client, now, out);
  }

  private scheduleOrEnter(ticket: CallbackTicket, client: ClientProfile, dueAt: number, now: number, out: Command[]): void {
    if (this.hasCallback(ticket.id)) return;
    if (dueAt <= now) this.enterQueue(ticket, client, now, out);
    else this.schedule(ticket, client, dueAt, now, out);
  }

  private schedule(ticket: CallbackTicket, client: ClientProfile, dueAt: number, now: number, out: Command[]): void {
    this.scheduled.set(ticket.id, { ticket, client, dueAt });
    out.push({ type: 'start-timer', key: timer.callbackDue(ticket.id), ms: Math.max(0, dueAt - now) });
    this.callbackUpdate(ticket, 'scheduled', dueAt, null, out);
  }

  /** A callback takes its place in line (only while the client is open). */
  private enterQueue(ticket: CallbackTicket, client: ClientProfile, now: number, out: Command[]): void {
    const id = callbackCallId(ticket.id);
    if (this.calls.has(id)) return;
    if (!isOpen(ticket.schedule, now)) {
      this.schedule(ticket, client, safeNextOpenAt(ticket.schedule, now), now, out);
      return;
    }
    const call: LiveCall = {
      id,
      client,
      did: ticket.did,
      caller: { name: ticket.name, number: ticket.number },
      knownNumber: true,
      arrivedAt: ticket.enqueuedAt,
      enqueuedAt: ticket.enqueuedAt,
      phase: 'waiting',
      offer: null,
      receptionistId: null,
      answeredAt: null,
      onHold: false,
      callbackOffered: true,
      callback: { ticket, calleeChannelId: null, calleeAnswered: false },
    };
    this.calls.set(id, call);
    this.callbackUpdate(ticket, 'queued', now, null, out);
    this.enqueue(call, now, out);
  }

  /** The receptionist took the callback: their leg waits on hold while we dial the callee. */
  private callbackReceptionistAnswered(call: LiveCall, cb: CallbackState, r: Receptionist, offerId: OfferId, now: number, out: Command[]): void {
    out.push({ type: 'cancel-timer', key: timer.ring(offerId) });
    call.phase = 'connected';
    call.offer = { ...call.offer!, answered: true };
    call.receptionistId = r.profile.id;
    r.missedInRow = 0;
    this.setPresenceTo(r, { kind: 'on-call', callId: call.id }, now, out);
    const attempt = cb.ticket.attempts + 1;
    cb.ticket = { ...cb.ticket, attempts: attempt };
    cb.calleeChannelId = callbackChannelId(cb.ticket.id, attempt);
    cb.calleeAnswered = false;
    this.callees.set(cb.calleeChannelId, call.id);
    out.push({ type: 'log', entry: { kind: 'offer-ended', callId: call.id, at: now, offerId, receptionistId: r.profile.id, outcome: 'answered' } });
    out.push({ type: 'hold-receptionist', callId: call.id, offerId, mohClass: call.client.mohClass });
    this.callbackUpdate(cb.ticket, 'dialing', null, { n: attempt, receptionistId: r.profile.id, outcome: null }, out);
    out.push({
      type: 'dial-callback',
      callId: call.id,
      callbackId: cb.ticket.id,
      attempt,
      channelId: cb.calleeChannelId,
      number: cb.ticket.number,
      did: cb.ticket.did,
      clientName: call.client.name,
      receptionistId: r.profile.id,
      timeoutSeconds: this.policy.ringTimeoutSeconds,
    });
    out.push({ type: 'start-timer', key: timer.calleeRing(call.id), ms: (this.policy.ringTimeoutSeconds + 5) * 1000 });
    out.push({
      type: 'screen-pop',
      pop: {
        callId: call.id,
        clientId: call.client.id,
        clientName: call.client.name,
        greeting: call.client.greeting,
        callerName: cb.ticket.name,
        callerNumber: cb.ticket.number,
        did: cb.ticket.did,
        waitMs: cb.ticket.originalWaitMs,
        receptionistId: r.profile.id,
        receptionistName: r.profile.name,
        at: now,
        callback: {
          callbackId: cb.ticket.id,
          number: cb.ticket.number,
          name: cb.ticket.name,
          note: cb.ticket.note,
          attempt,
          originalWaitMs: cb.ticket.originalWaitMs,
        },
      },
    });
  }

  private calleeAnswered(channelId: string, now: number, out: Command[]): void {
    const callId = this.callees.get(channelId);
    const call = callId ? this.calls.get(callId) : undefined;
    const cb = call?.callback;
    if (!call || !cb || cb.calleeChannelId !== channelId || cb.calleeAnswered || call.phase !== 'connected') {
      out.push({ type: 'hangup-callee', callId: callId ?? '', channelId }); // nobody is there for them
      return;
    }
    cb.calleeAnswered = true;
    call.answeredAt = now;
    out.push({ type: 'cancel-timer', key: timer.calleeRing(call.id) });
    out.push({ type: 'connect-callee', callId: call.id, channelId });
    const attempt = cb.ticket.attempts;
    out.push({
      type: 'log',
      entry: { kind: 'callback-attempt', callId: call.id, at: now, callbackId: cb.ticket.id, attempt, receptionistId: call.receptionistId, outcome: 'answered', next: 'done', retryAt: null },
    });
    this.callbackUpdate(cb.ticket, 'completed', null, { n: attempt, receptionistId: call.receptionistId, outcome: 'answered' }, out);
  }

  private calleeEnded(channelId: string, reason: LegEndReason, now: number, out: Command[]): void {
    const callId = this.callees.get(channelId);
    if (!callId) return;
    this.callees.delete(channelId);
    const call = this.calls.get(callId);
    const cb = call?.callback;
    if (!call || !cb || cb.calleeChannelId !== channelId) return;
    if (call.offer) out.push({ type: 'hangup-leg', callId, offerId: call.offer.offerId });
    if (cb.calleeAnswered) {
      this.endCall(call, 'completed', 'caller', now, out);
      return;
    }
    const outcome: CallbackAttemptOutcome = reason === 'hangup' ? 'failed' : reason;
    this.callbackAttemptFailed(call, cb, outcome, now, out);
  }

  /** The receptionist hung up on a callback: before the callee answered, the attempt is over. */
  private callbackReceptionistLeft(call: LiveCall, cb: CallbackState, now: number, out: Command[]): void {
    if (cb.calleeChannelId) {
      out.push({ type: 'hangup-callee', callId: call.id, channelId: cb.calleeChannelId });
      this.callees.delete(cb.calleeChannelId);
    }
    if (cb.calleeAnswered) {
      this.endCall(call, 'completed', 'receptionist', now, out);
      return;
    }
    this.callbackAttemptFailed(call, cb, 'cancelled', now, out);
  }

  /** No answer, busy or failed: the receptionist is released and the callback tries again later, or fails. */
  private callbackAttemptFailed(call: LiveCall, cb: CallbackState, outcome: CallbackAttemptOutcome, now: number, out: Command[]): void {
    const attempt = cb.ticket.attempts;
    const plan = planRetry(attempt, now, this.policy, cb.ticket.schedule);
    out.push({
      type: 'log',
      entry: {
        kind: 'callback-attempt',
        callId: call.id,
        at: now,
        callbackId: cb.ticket.id,
        attempt,
        receptionistId: call.receptionistId,
        outcome,
        next: plan.kind === 'retry' ? 'retry' : 'failed',
        retryAt: plan.kind === 'retry' ? plan.dueAt : null,
      },
    });
    const attemptRow = { n: attempt, receptionistId: call.receptionistId, outcome };
    this.endCall(call, 'failed', 'system', now, out);
    if (plan.kind === 'retry') {
      this.scheduled.set(cb.ticket.id, { ticket: cb.ticket, client: call.client, dueAt: plan.dueAt });
      out.push({ type: 'start-timer', key: timer.callbackDue(cb.ticket.id), ms: Math.max(0, plan.dueAt - now) });
      this.callbackUpdate(cb.ticket, 'scheduled', plan.dueAt, attemptRow, out);
    } else {
      this.callbackUpdate(cb.ticket, 'failed', null, attemptRow, out);
    }
  }

  private callbackUpdate(
    ticket: CallbackTicket,
    status: Extract<Command, { type: 'callback-update' }>['status'],
    dueAt: number | null,
    attempt: Extract<Command, { type: 'callback-update' }>['attempt'],
    out: Command[],
  ): void {
    out.push({ type: 'callback-update', callId: callbackCallId(ticket.id), ticket, status, dueAt, attempt });
  }

  // ---- queue mechanics ------------------------------------------------------------------

  /** Puts a caller in line at their place; if nobody takes them at once, they hear hold treatment. */
  private enqueue(call: LiveCall, now: number, out: Command[]): void {
    call.phase = 'waiting';
    call.offer = null;
    this.queue.add(this.queueEntry(call));
    this.dispatch(now, out);
    if (call.phase === 'waiting' && call.callback) return; // nobody to play music to
    if (call.phase === 'waiting') {
      this.armCallbackOffer(call, now, out);
      if (!call.onHold) {
        call.onHold = true;
        out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
        if (call.client.announcePosition) {
          out.push({ type: 'play-to-caller', callId: call.id, media: this.positionMedia(call) });
        }
        if (call.client.holdPrompt) {
          out.push({ type: 'start-timer', key: timer.prompt(call.id), ms: call.client.holdPrompt.everySeconds * 1000 });
        }
      }
      this.saveCall(call, out);
    }
  }

  /** Offers waiting callers to free receptionists until one side runs out. */
  private dispatch(now: number, out: Command[]): void {
    while (this.queue.size > 0) {
      const r = longestIdle(this.receptionists.values());
      if (!r) return;
      const entry = this.queue.head()!;
      this.queue.remove(entry.callId);
      const call = this.calls.get(entry.callId);
      if (call?.callback && !isOpen(call.callback.ticket.schedule, now)) {
        // The client has closed since it joined the line: it waits for the next opening.
        this.calls.delete(call.id);
        this.schedule(call.callback.ticket, call.client, safeNextOpenAt(call.callback.ticket.schedule, now), now, out);
        continue;
      }
      if (call) this.offer(call, r, now, out);
    }
  }

  private offer(call: LiveCall, r: Receptionist, now: number, out: Command[]): void {
    const offerId = this.deps.newOfferId(r.profile.id);
    this.offers.set(offerId, { callId: call.id, receptionistId: r.profile.id, idleSinceBefore: r.idleSince });
    call.phase = 'offering';
    call.offer = { offerId, receptionistId: r.profile.id, startedAt: now, answered: false };
    // The originate goes out first: it is the latency that matters.
    out.push({
      type: 'originate',
      offer: {
        offerId,
        callId: call.id,
        clientId: call.client.id,
        receptionistId: r.profile.id,
        endpoint: r.profile.endpoint,
        caller: call.callback ? { name: `Callback ${call.callback.ticket.name}`.trim(), number: call.callback.ticket.number } : call.caller,
        timeoutSeconds: r.profile.ringTimeoutSeconds + 5,
      },
    });
    out.push({ type: 'start-timer', key: timer.ring(offerId), ms: r.profile.ringTimeoutSeconds * 1000 });
    this.setPresenceTo(r, { kind: 'ringing', callId: call.id, offerId }, now, out);
    out.push({ type: 'log', entry: { kind: 'offered', callId: call.id, at: now, offerId, receptionistId: r.profile.id } });
    this.saveCall(call, out);
  }

  /** The offer ended unanswered through the receptionist's phone: they go to the back. */
  private offerMissed(call: LiveCall, ref: OfferRef, outcome: OfferOutcome, now: number, out: Command[]): void {
    out.push({ type: 'cancel-timer', key: timer.ring(call.offer!.offerId) });
    out.push({ type: 'log', entry: { kind: 'offer-ended', callId: call.id, at: now, offerId: call.offer!.offerId, receptionistId: ref.receptionistId, outcome } });
    const r = this.receptionists.get(ref.receptionistId);
    if (r && r.presence.kind === 'ringing' && r.presence.offerId === call.offer!.offerId) {
      if (outcome === 'unreachable') {
        r.reachable = false;
        out.push({ type: 'start-timer', key: timer.reachable(r.profile.id), ms: UNREACHABLE_RETRY_MS });
        this.setPresenceTo(r, { kind: 'available' }, now, out);
      } else {
        r.missedInRow += 1;
        if (r.missedInRow >= r.profile.maxMissedOffers) {
          r.missedInRow = 0;
          this.setPresenceTo(r, { kind: 'paused', reason: MISSED_CALLS_PAUSE_REASON }, now, out);
        } else {
          r.idleSince = now; // to the back of the idle line, so the caller tries someone else first
          this.setPresenceTo(r, { kind: 'available' }, now, out);
        }
      }
    }
    this.enqueue(call, now, out);
  }

  /** We take back an offer (caller left, overflow, receptionist logged out): no fault of theirs. */
  private withdrawOffer(offerId: OfferId, outcome: OfferOutcome, now: number, out: Command[]): void {
    const ref = this.offers.get(offerId);
    if (!ref) return;
    out.push({ type: 'hangup-leg', callId: ref.callId, offerId });
    out.push({ type: 'cancel-timer', key: timer.ring(offerId) });
    out.push({ type: 'log', entry: { kind: 'offer-ended', callId: ref.callId, at: now, offerId, receptionistId: ref.receptionistId, outcome } });
    this.offers.delete(offerId);
    const call = this.calls.get(ref.callId);
    if (call && call.offer?.offerId === offerId) {
      call.offer = null;
      call.phase = 'waiting';
      this.queue.add(this.queueEntry(call));
    }
    const r = this.receptionists.get(ref.receptionistId);
    if (r && r.presence.kind === 'ringing' && r.presence.offerId === offerId) {
      this.setPresenceTo(r, { kind: 'available' }, now, out);
      r.idleSince = ref.idleSinceBefore; // they keep their place in the idle line
    }
  }

  private overflow(call: LiveCall, reason: OverflowReason, now: number, out: Command[]): void {
    this.queue.remove(call.id);
    call.phase = 'overflow';
    out.push({ type: 'cancel-timer', key: timer.overflow(call.id) });
    out.push({ type: 'cancel-timer', key: timer.callbackOffer(call.id) });
    out.push({ type: 'cancel-timer', key: timer.prompt(call.id) });
    out.push({ type: 'overflow', callId: call.id, treatment: call.client.overflow });
    out.push({
      type: 'log',
      entry: { kind: 'overflowed', callId: call.id, at: now, treatment: call.client.overflow.kind, reason, waitMs: now - call.arrivedAt },
    });
    this.saveCall(call, out);
  }

  private overflowIfNobodyLoggedIn(now: number, out: Command[]): void {
    if (this.anyoneLoggedIn()) return;
    for (const call of this.calls.values()) {
      if (call.callback) continue; // a callback waits for someone to log in; nobody is on the line
      if (call.phase === 'waiting' || call.phase === 'offering') {
        if (call.phase === 'offering') this.withdrawOffer(call.offer!.offerId, 'cancelled', now, out);
        this.overflow(call, 'nobody-logged-in', now, out);
      }
    }
  }

  private endCall(call: LiveCall, outcome: CallOutcome, endedBy: 'caller' | 'receptionist' | 'system', now: number, out: Command[]): void {
    this.queue.remove(call.id);
    this.calls.delete(call.id);
    out.push({ type: 'cancel-timer', key: timer.overflow(call.id) });
    out.push({ type: 'cancel-timer', key: timer.prompt(call.id) });
    if (call.client.callbackOfferAfterSeconds) out.push({ type: 'cancel-timer', key: timer.callbackOffer(call.id) });
    if (call.callback) {
      out.push({ type: 'cancel-timer', key: timer.calleeRing(call.id) });
      if (call.callback.calleeChannelId) this.callees.delete(call.callback.calleeChannelId);
    }
    if (call.park) this.unpark(call, out);
    if (call.transfer) {
      out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
      out.push({ type: 'hangup-transfer', callId: call.id, channelId: call.transfer.channelId });
      this.transferLegs.delete(call.transfer.channelId);
    }
    const waitMs = (call.answeredAt ?? now) - call.arrivedAt;
    out.push({ type: 'log', entry: { kind: 'ended', callId: call.id, at: now, outcome, waitMs, endedBy } });
    out.push({ type: 'drop-call', callId: call.id });
    if (call.phase === 'connected' && call.receptionistId) {
      if (call.offer) this.offers.delete(call.offer.offerId);
      const r = this.receptionists.get(call.receptionistId);
      if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.enterWrapUp(r, call.id, now, out);
    }
  }

  // ---- receptionist transitions ---------------------------------------------------------

  private enterWrapUp(r: Receptionist, callId: CallId, now: number, out: Command[]): void {
    const ms = r.profile.wrapUpSeconds * 1000;
    if (ms <= 0) {
      this.leaveWrapUp(r, now, out);
      return;
    }
    this.setPresenceTo(r, { kind: 'wrap-up', callId, until: now + ms }, now, out);
    out.push({ type: 'start-timer', key: timer.wrapUp(r.profile.id), ms });
  }

  private leaveWrapUp(r: Receptionist, now: number, out: Command[]): void {
    const pending = r.pending;
    r.pending = null;
    if (pending) {
      this.setPresenceTo(r, pending, now, out);
      if (pending.kind === 'logged-out') this.overflowIfNobodyLoggedIn(now, out);
    } else {
      this.becomeAvailable(r, now, out);
    }
  }

  private becomeAvailable(r: Receptionist, now: number, out: Command[]): void {
    r.idleSince = now;
    this.setPresenceTo(r, { kind: 'available' }, now, out);
  }

  private setPresenceTo(r: Receptionist, presence: Presence, now: number, out: Command[]): void {
    r.presence = presence;
    r.presenceSince = now;
    out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
  }

  private anyoneLoggedIn(): boolean {
    for (const r of this.receptionists.values()) if (isLoggedIn(r)) return true;
    return false;
  }

  private playHoldPrompt(call: LiveCall, out: Command[]): void {
    const prompt = call.client.holdPrompt!;
    const media = [prompt.media, ...(call.client.announcePosition ? this.positionMedia(call) : [])];
    out.push({ type: 'play-to-caller', callId: call.id, media });
    out.push({ type: 'start-timer', key: timer.prompt(call.id), ms: prompt.everySeconds * 1000 });
  }

  private positionMedia(call: LiveCall): string[] {
    const position = Math.max(1, this.queue.positionOf(call.id));
    if (position === 1) return ['sound:queue-youarenext'];
    return ['sound:queue-thereare', `number:${position - 1}`, 'sound:queue-callswaiting'];
  }

  private saveCall(call: LiveCall, out: Command[]): void {
    if (call.callback) return; // callbacks live in PostgreSQL (callback-update), not with the channels
    out.push({ type: 'save-call', call: this.snapshotCall(call) });
  }

  // ---- restore and read models ----------------------------------------------------------

  /**
   * Rebuilds state after a restart. `calls` must already be reconciled with the PBX: only
   * callers still there, offers already withdrawn (phase waiting) unless connected.
   */
  restore(
    state: {
      receptionists: ReceptionistSnapshot[];
      calls: Array<{ snapshot: CallSnapshot; client: ClientProfile }>;
      callbacks?: Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }>;
      /** Callbacks whose receptionist and callee are both still up (reconciled with the PBX). */
      connectedCallbacks?: ConnectedCallback[];
    },
    now: number,
  ): Command[] {
    const out: Command[] = [];
    // A receptionist is on a call after the restart only if that call comes back connected to them.
    const connectedTo = new Map<CallId, ReceptionistId | null>([
      ...state.calls.filter((c) => c.snapshot.phase === 'connected').map((c) => [c.snapshot.id, c.snapshot.receptionistId] as const),
      ...(state.connectedCallbacks ?? []).map((c) => [callbackCallId(c.ticket.id), c.receptionistId] as const),
    ]);
    for (const s of state.receptionists) {
      const r = this.receptionists.get(s.id);
      if (!r) continue;
      r.idleSince = s.idleSince;
      r.presenceSince = s.presenceSince;
      r.missedInRow = s.missedInRow;
      r.reachable = s.reachable;
      r.pending = s.pending;
      r.presence = s.presence;
      const p = s.presence;
      if (p.kind === 'ringing') {
        this.setPresenceTo(r, { kind: 'available' }, now, out); // its offer did not survive
      } else if (p.kind === 'on-call' && connectedTo.get(p.callId) !== r.profile.id) {
        this.enterWrapUp(r, p.callId, now, out);
      } else if (p.kind === 'wrap-up') {
        if (p.until <= now) {
          this.leaveWrapUp(r, now, out);
          if (r.presence.kind === 'available') {
            r.idleSince = p.until; // idle since the wrap-up ended, not since we noticed
            out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
          }
        } else out.push({ type: 'start-timer', key: timer.wrapUp(r.profile.id), ms: p.until - now });
      }
      if (!r.reachable) out.push({ type: 'start-timer', key: timer.reachable(r.profile.id), ms: UNREACHABLE_RETRY_MS });
    }
    for (const { snapshot: s, client } of state.calls) {
      const call: LiveCall = {
        id: s.id,
        client,
        did: s.did,
        caller: s.caller,
        knownNumber: s.knownNumber,
        arrivedAt: s.arrivedAt,
        enqueuedAt: s.enqueuedAt,
        phase: s.phase,
        offer: s.offer,
        receptionistId: s.receptionistId,
        answeredAt: s.answeredAt,
        onHold: s.onHold,
        callbackOffered: s.callbackOffered ?? false,
        callback: null,
        held: s.heldByReceptionist ?? false,
        transfer: null,
      };
      this.calls.set(call.id, call);
      if (call.phase === 'parked' && s.park && !this.slots.has(s.park.slot)) {
        // Still parked in the same slot; the park timeout counts from when it was parked.
        call.park = { ...s.park };
        this.slots.set(s.park.slot, call.id);
        const left = s.park.at + this.parkSettings.timeoutSeconds * 1000 - now;
        out.push({ type: 'start-timer', key: timer.park(call.id), ms: Math.max(0, left) });
        continue;
      }
      const threeWay = s.transfer?.mode === 'announced' && s.transfer.threeWay && s.transfer.answered && call.offer && call.receptionistId;
      if (call.phase === 'connected' && s.transfer?.answered && !threeWay) {
        // Transferred: bridged with its destination, no receptionist on it any more.
        call.transfer = { ...s.transfer };
        call.offer = null;
        call.receptionistId = null;
        this.transferLegs.set(s.transfer.channelId, call.id);
        continue;
      }
      if (call.phase === 'connected' && call.offer && call.receptionistId) {
        const r = this.receptionists.get(call.receptionistId);
        this.offers.set(call.offer.offerId, { callId: call.id, receptionistId: call.receptionistId, idleSinceBefore: r?.idleSince ?? now });
        if (threeWay && s.transfer) {
          // A three-way call (reconcile kept it only with all three legs up) goes on as one.
          call.transfer = { ...s.transfer };
          this.transferLegs.set(s.transfer.channelId, call.id);
        }
        if (r && !(r.presence.kind === 'on-call' && r.presence.callId === call.id)) {
          this.setPresenceTo(r, { kind: 'on-call', callId: call.id }, now, out);
        }
        continue;
      }
      if (call.phase === 'overflow') continue;
      if (client.maxWaitSeconds > 0) {
        const left = call.arrivedAt + client.maxWaitSeconds * 1000 - now;
        out.push({ type: 'start-timer', key: timer.overflow(call.id), ms: Math.max(0, left) });
      }
      call.offer = null;
      call.phase = 'waiting';
      this.queue.add({ callId: call.id, priorityTier: client.priorityTier, enqueuedAt: call.enqueuedAt });
      if (call.onHold && client.holdPrompt) {
        out.push({ type: 'start-timer', key: timer.prompt(call.id), ms: client.holdPrompt.everySeconds * 1000 });
      }
      this.armCallbackOffer(call, now, out);
    }
    for (const c of state.connectedCallbacks ?? []) this.restoreConnectedCallback(c, now, out);
    // Callbacks keep their place: they join the line before anyone is offered anything.
    for (const c of state.callbacks ?? []) this.scheduleOrEnter(c.ticket, c.client, c.dueAt, now, out);
    this.dispatch(now, out);
    for (const call of this.calls.values()) {
      if (call.phase === 'waiting' && !call.onHold && !call.callback) {
        call.onHold = true;
        out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
        this.saveCall(call, out);
      }
    }
    this.overflowIfNobodyLoggedIn(now, out);
    return out;
  }

  /**
   * A callback that stayed connected through the restart: its receptionist is on the call again
   * and either side hanging up ends it as it would have. Nothing is recorded here: the answer was
   * recorded when it happened (or is recorded now through `callee-answered`, once).
   */
  private restoreConnectedCallback(c: ConnectedCallback, now: number, out: Command[]): void {
    const id = callbackCallId(c.ticket.id);
    if (this.calls.has(id)) return;
    const call: LiveCall = {
      id,
      client: c.client,
      did: c.ticket.did,
      caller: { name: c.ticket.name, number: c.ticket.number },
      knownNumber: true,
      arrivedAt: c.ticket.enqueuedAt,
      enqueuedAt: c.ticket.enqueuedAt,
      phase: 'connected',
      offer: { offerId: c.offerId, receptionistId: c.receptionistId, startedAt: c.answeredAt ?? now, answered: true },
      receptionistId: c.receptionistId,
      answeredAt: c.answeredAt ?? (c.calleeAnswered ? now : null),
      onHold: false,
      callbackOffered: true,
      callback: { ticket: c.ticket, calleeChannelId: c.calleeChannelId, calleeAnswered: c.calleeAnswered },
    };
    this.calls.set(id, call);
    this.callees.set(c.calleeChannelId, id);
    const r = this.receptionists.get(c.receptionistId);
    this.offers.set(c.offerId, { callId: id, receptionistId: c.receptionistId, idleSinceBefore: r?.idleSince ?? now });
    if (r && !(r.presence.kind === 'on-call' && r.presence.callId === id)) this.setPresenceTo(r, { kind: 'on-call', callId: id }, now, out);
  }

  /** Callbacks whose receptionist answered (being dialled, or connected to the callee). */
  connectedCallbacks(): ConnectedCallback[] {
    const list: ConnectedCallback[] = [];
    for (const call of this.calls.values()) {
      if (!call.callback || call.phase !== 'connected' || !call.offer || !call.receptionistId || !call.callback.calleeChannelId) continue;
      list.push({
        ticket: call.callback.ticket,
        client: call.client,
        offerId: call.offer.offerId,
        receptionistId: call.receptionistId,
        calleeChannelId: call.callback.calleeChannelId,
        calleeAnswered: call.callback.calleeAnswered,
        answeredAt: call.answeredAt,
      });
    }
    return list;
  }

  snapshotCall(call: Omit<LiveCall, 'callback'> & { callback?: CallbackState | null }): CallSnapshot {
    return {
      id: call.id,
      clientId: call.client.id,
      did: call.did,
      caller: call.caller,
      knownNumber: call.knownNumber,
      arrivedAt: call.arrivedAt,
      enqueuedAt: call.enqueuedAt,
      priorityTier: call.client.priorityTier,
      phase: call.phase,
      offer: call.offer,
      receptionistId: call.receptionistId,
      answeredAt: call.answeredAt,
      onHold: call.onHold,
      ...(call.held ? { heldByReceptionist: true } : {}),
      ...(call.transfer ? { transfer: { ...call.transfer } } : {}),
      ...(call.park ? { park: { ...call.park } } : {}),
      callbackOffered: call.callbackOffered,
      ...(call.callback ? { callbackId: call.callback.ticket.id } : {}),
    };
  }

  receptionist(id: ReceptionistId): ReceptionistSnapshot | undefined {
    const r = this.receptionists.get(id);
    return r && snapshotOf(r);
  }

  listReceptionists(): ReceptionistSnapshot[] {
    return [...this.receptionists.values()].map(snapshotOf);
  }

  /** The phones (dial strings) of the receptionists logged in now: who the fallback queue should ring. */
  loggedInEndpoints(): string[] {
    return [...this.receptionists.values()].filter(isLoggedIn).map((r) => r.profile.endpoint);
  }

  /** Every receptionist's phone (dial string), once each. */
  endpoints(): string[] {
    return [...new Set([...this.receptionists.values()].map((r) => r.profile.endpoint))];
  }

  /** The receptionists whose phone is this dial string (e.g. `PJSIP/rx1`). */
  receptionistsAt(endpoint: string): ReceptionistId[] {
    return [...this.receptionists.values()].filter((r) => r.profile.endpoint === endpoint).map((r) => r.profile.id);
  }

  listCalls(): CallSnapshot[] {
    return [...this.calls.values()].map((c) => this.snapshotCall(c));
  }

  /** Waiting callers in service order. */
  waiting(): CallSnapshot[] {
    return this.queue.list().map((e) => this.snapshotCall(this.calls.get(e.callId)!));
  }

  callIdForOffer(offerId: OfferId): CallId | undefined {
    return this.offers.get(offerId)?.callId;
  }

  hasCall(callId: CallId): boolean {
    return this.calls.has(callId);
  }

  clientOf(callId: CallId): ClientProfile | undefined {
    return this.calls.get(callId)?.client;
  }

  /** The receptionist on the call, or being offered it; null while it waits. */
  receptionistOfCall(callId: CallId): ReceptionistId | null {
    const call = this.calls.get(callId);
    return call?.receptionistId ?? call?.offer?.receptionistId ?? null;
  }

  get waitingCount(): number {
    return this.queue.size;
  }
}
