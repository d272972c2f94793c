import { CallQueue } from './call-queue';
import type {
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
}

const timer = {
  ring: (offerId: OfferId) => `ring|${offerId}`,
  overflow: (callId: CallId) => `overflow|${callId}`,
  wrapUp: (id: ReceptionistId) => `wrap|${id}`,
  prompt: (callId: CallId) => `prompt|${callId}`,
  reachable: (id: ReceptionistId) => `reach|${id}`,
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

  constructor(private readonly deps: SwitchboardDeps) {}

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
    out.push({ type: 'cancel-timer', key: timer.ring(offerId) });
    out.push({ type: 'cancel-timer', key: timer.prompt(call.id) });
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
        if (call.offer) out.push({ type: 'hangup-leg', callId, offerId: call.offer.offerId });
        this.endCall(call, 'completed', 'caller', now, out);
        return;
      case 'offering':
        this.withdrawOffer(call.offer!.offerId, 'cancelled', now, out);
        this.endCall(call, 'abandoned', 'caller', now, out);
        return;
      case 'waiting':
        this.endCall(call, 'abandoned', 'caller', now, out);
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

  // ---- queue mechanics ------------------------------------------------------------------

  /** Puts a caller in line at their place; if nobody takes them at once, they hear hold treatment. */
  private enqueue(call: LiveCall, now: number, out: Command[]): void {
    call.phase = 'waiting';
    call.offer = null;
    this.queue.add({ callId: call.id, priorityTier: call.client.priorityTier, enqueuedAt: call.enqueuedAt });
    this.dispatch(now, out);
    if (call.phase === 'waiting') {
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
        caller: call.caller,
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
      this.queue.add({ callId: call.id, priorityTier: call.client.priorityTier, enqueuedAt: call.enqueuedAt });
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
    out.push({ type: 'save-call', call: this.snapshotCall(call) });
  }

  // ---- restore and read models ----------------------------------------------------------

  /**
   * Rebuilds state after a restart. `calls` must already be reconciled with the PBX: only
   * callers still there, offers already withdrawn (phase waiting) unless connected.
   */
  restore(
    state: { receptionists: ReceptionistSnapshot[]; calls: Array<{ snapshot: CallSnapshot; client: ClientProfile }> },
    now: number,
  ): Command[] {
    const out: Command[] = [];
    // A receptionist is on a call after the restart only if that call comes back connected to them.
    const connectedTo = new Map(
      state.calls.filter((c) => c.snapshot.phase === 'connected').map((c) => [c.snapshot.id, c.snapshot.receptionistId]),
    );
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
      };
      this.calls.set(call.id, call);
      if (call.phase === 'connected' && call.offer && call.receptionistId) {
        const r = this.receptionists.get(call.receptionistId);
        this.offers.set(call.offer.offerId, { callId: call.id, receptionistId: call.receptionistId, idleSinceBefore: r?.idleSince ?? now });
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
    }
    this.dispatch(now, out);
    for (const call of this.calls.values()) {
      if (call.phase === 'waiting' && !call.onHold) {
        call.onHold = true;
        out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
        this.saveCall(call, out);
      }
    }
    this.overflowIfNobodyLoggedIn(now, out);
    return out;
  }

  snapshotCall(call: Pick<LiveCall, keyof LiveCall>): CallSnapshot {
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
    };
  }

  receptionist(id: ReceptionistId): ReceptionistSnapshot | undefined {
    const r = this.receptionists.get(id);
    return r && snapshotOf(r);
  }

  listReceptionists(): ReceptionistSnapshot[] {
    return [...this.receptionists.values()].map(snapshotOf);
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
