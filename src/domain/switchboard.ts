import { DEFAULT_CALLBACK_POLICY, type CallbackId, type CallbackPolicy } from './callbacks';
import type {
  CallbackEvent,
  CallOutcome,
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
import { Callbacks, type CancelResult, type ConnectedCallback, type PendingCallback } from './switchboard-parts/callbacks';
import { InCallOperations, type FeatureRequest, type FeatureResult } from './switchboard-parts/in-call';
import { DEFAULT_PARK_SETTINGS, Parking, type ParkedCall, type ParkSettings, type RetrieveResult } from './switchboard-parts/park';
import type { QueueCore } from './switchboard-parts/queue-core';
import { restoreAfterRestart, type RestoreInput } from './switchboard-parts/restore';
import {
  isFreeFor,
  isOpen,
  queueEntry,
  saveCall,
  snapshotOfCall,
  SwitchboardState,
  timer,
  UNREACHABLE_RETRY_MS,
  type CallbackState,
  type LiveCall,
  type OfferRef,
} from './switchboard-parts/state';
import { DEFAULT_TRANSFER_SETTINGS, Transfers, type TransferSettings } from './switchboard-parts/transfers';

// The collaborators live in src/domain/switchboard/; what other code imports stays exported from here.
export { type CancelResult, type ConnectedCallback, type PendingCallback } from './switchboard-parts/callbacks';
export { type FeatureOp, type FeatureRefusal, type FeatureRequest, type FeatureResult } from './switchboard-parts/in-call';
export { DEFAULT_PARK_SETTINGS, type ParkedCall, type ParkSettings, type RetrieveResult } from './switchboard-parts/park';
export { type RestoreInput } from './switchboard-parts/restore';
export { UNREACHABLE_RETRY_MS } from './switchboard-parts/state';
export { DEFAULT_ANNOUNCED_RING_SECONDS, DEFAULT_TRANSFER_SETTINGS, type TransferSettings } from './switchboard-parts/transfers';

export type PresenceResult = { ok: true; commands: Command[] } | { ok: false; code: 'no-such-receptionist' };

export interface SwitchboardDeps {
  /** A fresh, globally unique offer id; it is also the channel id of the receptionist's leg. */
  newOfferId: (receptionistId: ReceptionistId) => OfferId;
  callbackPolicy?: CallbackPolicy;
  transfers?: TransferSettings;
  park?: ParkSettings;
}

/**
 * The core queue, with no I/O: every input is an event plus the current time, every output a
 * list of commands. It owns who is waiting, who is free, and which offer belongs to which call.
 *
 * The queue, offers, dispatch and receptionist presence are here; transfers, park, callbacks and
 * the in-call operations are collaborators over the same SwitchboardState, calling back into
 * this core through the narrow QueueCore interface.
 */
export class Switchboard {
  private readonly state = new SwitchboardState();
  private readonly receptionists = this.state.receptionists;
  private readonly calls = this.state.calls;
  private readonly offers = this.state.offers;
  private readonly queue = this.state.queue;
  private readonly callees = this.state.callees;
  private readonly transferLegs = this.state.transferLegs;
  /** What the collaborators call back into; the methods behind it stay private to the core. */
  private readonly core: QueueCore = {
    enqueue: (call, now, out) => this.enqueue(call, now, out),
    dispatch: (now, out) => this.dispatch(now, out),
    offer: (call, r, now, out) => this.offer(call, r, now, out),
    withdrawOffer: (offerId, outcome, now, out) => this.withdrawOffer(offerId, outcome, now, out),
    overflow: (call, reason, now, out) => this.overflow(call, reason, now, out),
    endCall: (call, outcome, endedBy, now, out) => this.endCall(call, outcome, endedBy, now, out),
    comeBack: (call, receptionistId, now, out) => this.comeBack(call, receptionistId, now, out),
    releaseReceptionist: (call, now, out) => this.releaseReceptionist(call, now, out),
    enterWrapUp: (r, callId, now, out) => this.enterWrapUp(r, callId, now, out),
    leaveWrapUp: (r, now, out) => this.leaveWrapUp(r, now, out),
    setPresenceTo: (r, presence, now, out) => this.setPresenceTo(r, presence, now, out),
    anyoneLoggedIn: () => this.anyoneLoggedIn(),
    overflowIfNobodyLoggedIn: (now, out) => this.overflowIfNobodyLoggedIn(now, out),
  };
  private readonly callbacks: Callbacks;
  private readonly transfers: Transfers;
  private readonly parking: Parking;
  private readonly inCall: InCallOperations;

  constructor(private readonly deps: SwitchboardDeps) {
    this.callbacks = new Callbacks(this.state, this.core, deps.callbackPolicy ?? DEFAULT_CALLBACK_POLICY);
    this.transfers = new Transfers(this.state, this.core, deps.transfers ?? DEFAULT_TRANSFER_SETTINGS);
    this.parking = new Parking(this.state, this.core, deps.park ?? DEFAULT_PARK_SETTINGS);
    this.inCall = new InCallOperations(this.state, this.core, this.transfers, this.parking);
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
        this.transfers.answered(event.channelId, now, out);
        break;
      case 'transfer-ended':
        this.transfers.ended(event.channelId, event.reason, now, out);
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
      this.callbacks.receptionistAnswered(call, call.callback, r, offerId, now, out);
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
    saveCall(call, out);
  }

  private legEnded(offerId: OfferId, reason: LegEndReason, now: number, out: Command[]): void {
    const ref = this.offers.get(offerId);
    if (!ref) return;
    this.offers.delete(offerId);
    const call = this.calls.get(ref.callId);
    if (!call || call.offer?.offerId !== offerId) return; // an offer we had already withdrawn
    if (call.phase === 'connected' && call.callback) {
      this.callbacks.receptionistLeft(call, call.callback, now, out);
      return;
    }
    if (call.phase === 'connected' && call.transfer?.mode === 'announced') {
      this.transfers.receptionistLeftConsult(call, call.transfer, now, out);
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
        if (call.transfer?.mode === 'announced') this.transfers.logConsult(call, call.transfer, 'caller-left', 'caller', now, out);
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
      case 'parked':
        this.parking.callerLeft(call, now, out);
        return;
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
      case 'cboffer':
        this.callbacks.offerDue(id, out);
        return;
      case 'cbdue':
        this.callbacks.due(id, now, out);
        return;
      case 'cbring':
        this.callbacks.calleeRingTimedOut(id, now, out);
        return;
      case 'park':
        this.parking.timedOut(id, now, out);
        return;
      case 'xfer':
        this.transfers.ringTimedOut(id, now, out);
        return;
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
    return this.inCall.perform(req, now);
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
    return this.transfers.isConsulting(offerId);
  }

  // ---- park -----------------------------------------------------------------------------

  /**
   * A receptionist takes a parked call back: their phone is rung for it (ringing, answer, bridge as
   * any offer). Two retrieves of one slot: the serial executor runs them one after the other, the
   * first empties the slot, the second finds nothing (exactly one winner).
   */
  retrieveParked(slot: string, receptionistId: ReceptionistId, now: number): RetrieveResult {
    return this.parking.retrieve(slot, receptionistId, now);
  }

  /** Parked calls, by slot. */
  parked(): ParkedCall[] {
    return this.parking.parked();
  }

  // ---- callbacks ------------------------------------------------------------------------

  handleCallback(event: CallbackEvent, now: number): Command[] {
    const out: Command[] = [];
    this.callbacks.handle(event, now, out);
    this.dispatch(now, out);
    return out;
  }

  /** Cancels a callback that is scheduled or waiting (or being offered); one being dialled cannot be. */
  cancelCallback(id: CallbackId, now: number): CancelResult {
    return this.callbacks.cancel(id, now);
  }

  /** Every callback not finished, for a restart or a reconnect. */
  pendingCallbacks(): PendingCallback[] {
    return this.callbacks.pending();
  }

  hasCallback(id: CallbackId): boolean {
    return this.callbacks.has(id);
  }

  /** Callbacks whose receptionist answered (being dialled, or connected to the callee). */
  connectedCallbacks(): ConnectedCallback[] {
    return this.callbacks.connected();
  }

  // ---- queue mechanics ------------------------------------------------------------------

  /** Puts a caller in line at their place; if nobody takes them at once, they hear hold treatment. */
  private enqueue(call: LiveCall, now: number, out: Command[]): void {
    call.phase = 'waiting';
    call.offer = null;
    this.queue.add(queueEntry(call));
    this.dispatch(now, out);
    if (call.phase === 'waiting' && call.callback) return; // nobody to play music to
    if (call.phase === 'waiting') {
      this.callbacks.armOffer(call, now, out);
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
      saveCall(call, out);
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
        this.callbacks.waitForOpening(call, call.callback, now, out);
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
    saveCall(call, out);
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
      this.queue.add(queueEntry(call));
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
    saveCall(call, out);
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
    if (call.park) this.parking.unpark(call, out);
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

  /**
   * A caller who had been answered comes back (failed transfer, park timeout): to the receptionist
   * who had them if still free, else to the front of the line; never dropped.
   */
  private comeBack(call: LiveCall, receptionistId: ReceptionistId, now: number, out: Command[]): 'back-to-receptionist' | 'queue' {
    call.phase = 'waiting';
    call.returning = true;
    const r = this.receptionists.get(receptionistId);
    if (isFreeFor(r, call)) {
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

  // ---- restore and read models ----------------------------------------------------------

  /**
   * Rebuilds state after a restart. `calls` must already be reconciled with the PBX: only
   * callers still there, offers already withdrawn (phase waiting) unless connected.
   */
  restore(saved: RestoreInput, now: number): Command[] {
    return restoreAfterRestart(this.state, this.core, { callbacks: this.callbacks, parking: this.parking }, saved, now);
  }

  snapshotCall(call: Omit<LiveCall, 'callback'> & { callback?: CallbackState | null }): CallSnapshot {
    return snapshotOfCall(call);
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
    return [...this.calls.values()].map((c) => snapshotOfCall(c));
  }

  /** Waiting callers in service order. */
  waiting(): CallSnapshot[] {
    return this.queue.list().map((e) => snapshotOfCall(this.calls.get(e.callId)!));
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