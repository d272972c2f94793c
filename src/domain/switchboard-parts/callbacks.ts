import {
  callbackCallId,
  callbackChannelId,
  planRetry,
  type CallbackAttemptOutcome,
  type CallbackId,
  type CallbackPolicy,
  type CallbackTicket,
} from '../callbacks';
import type { CallbackEvent, Command, LegEndReason } from '../messages';
import type { CallId, ClientProfile, OfferId, ReceptionistId } from '../model';
import type { Receptionist } from '../receptionist';
import type { QueueCore } from './queue-core';
import { isOpen, safeNextOpenAt, saveCall, timer, type CallbackState, type LiveCall, type SwitchboardState } from './state';

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

type CallbacksCore = Pick<QueueCore, 'enqueue' | 'dispatch' | 'withdrawOffer' | 'endCall' | 'setPresenceTo'>;

/**
 * Callbacks in the line: a waiting caller is offered one, a requested callback takes the caller's
 * place (or waits for its time), and once a receptionist takes it the callee is dialled, with
 * retries by the policy. A callback entry is a LiveCall with `callback` set and no caller's channel.
 */
export class Callbacks {
  constructor(
    private readonly state: SwitchboardState,
    private readonly core: CallbacksCore,
    private readonly policy: CallbackPolicy,
  ) {}

  handle(event: CallbackEvent, now: number, out: Command[]): void {
    switch (event.type) {
      case 'callback-requested':
        this.requested(event.callId, event.ticket, now, out);
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
  }

  /** Cancels a callback that is scheduled or waiting (or being offered); one being dialled cannot be. */
  cancel(id: CallbackId, now: number): CancelResult {
    const out: Command[] = [];
    const entry = this.state.scheduled.get(id);
    if (entry) {
      this.state.scheduled.delete(id);
      out.push({ type: 'cancel-timer', key: timer.callbackDue(id) });
      this.update(entry.ticket, 'cancelled', null, null, out);
      return { ok: true, commands: out };
    }
    const call = this.state.calls.get(callbackCallId(id));
    if (!call?.callback) return { ok: false, code: 'no-such-callback' };
    if (call.phase === 'connected') return { ok: false, code: 'callback-in-progress' };
    if (call.phase === 'offering' && call.offer) this.core.withdrawOffer(call.offer.offerId, 'cancelled', now, out);
    this.update(call.callback.ticket, 'cancelled', null, null, out);
    this.core.endCall(call, 'abandoned', 'system', now, out);
    this.core.dispatch(now, out);
    return { ok: true, commands: out };
  }

  /** Every callback not finished, for a restart or a reconnect. */
  pending(): PendingCallback[] {
    const list: PendingCallback[] = [...this.state.scheduled.values()].map((e) => ({ ...e, state: 'scheduled' as const }));
    for (const call of this.state.calls.values()) {
      if (!call.callback || call.callback.calleeAnswered) continue; // answered: recorded as completed
      const dialing = call.phase === 'connected';
      list.push({ ticket: call.callback.ticket, client: call.client, state: dialing ? 'dialing' : 'queued', dueAt: call.enqueuedAt });
    }
    return list;
  }

  has(id: CallbackId): boolean {
    return this.state.scheduled.has(id) || this.state.calls.has(callbackCallId(id));
  }

  /** Callbacks whose receptionist answered (being dialled, or connected to the callee). */
  connected(): ConnectedCallback[] {
    const list: ConnectedCallback[] = [];
    for (const call of this.state.calls.values()) {
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

  // ---- offering a callback to a waiting caller ---------------------------------------------

  armOffer(call: LiveCall, now: number, out: Command[]): void {
    const after = call.client.callbackOfferAfterSeconds ?? 0;
    if (after <= 0 || call.callback || call.callbackOffered) return;
    out.push({ type: 'start-timer', key: timer.callbackOffer(call.id), ms: Math.max(0, call.enqueuedAt + after * 1000 - now) });
  }

  /** The `cboffer` timer: the caller has waited long enough to be offered a callback. */
  offerDue(callId: CallId, out: Command[]): void {
    const call = this.state.calls.get(callId);
    if (!call || call.callback || call.callbackOffered) return;
    if (call.phase === 'offering') {
      // A phone rings for them right now; ask again shortly if it is not answered.
      out.push({ type: 'start-timer', key: timer.callbackOffer(callId), ms: 5000 });
      return;
    }
    if (call.phase !== 'waiting') return;
    call.callbackOffered = true;
    out.push({ type: 'offer-callback', callId, callerNumber: call.caller.number });
    saveCall(call, out);
  }

  private requested(callId: CallId, requested: CallbackTicket, now: number, out: Command[]): void {
    const call = this.state.calls.get(callId);
    if (!call || call.callback || (call.phase !== 'waiting' && call.phase !== 'offering')) return;
    if (call.phase === 'offering' && call.offer) this.core.withdrawOffer(call.offer.offerId, 'cancelled', now, out);
    const waitMs = now - call.arrivedAt;
    // The callback takes the caller's place: same tier, same time in line.
    const ticket: CallbackTicket = { ...requested, enqueuedAt: call.enqueuedAt, priorityTier: call.client.priorityTier, originalWaitMs: waitMs, originalCallId: call.id };
    out.push({ type: 'log', entry: { kind: 'callback-requested', callId, at: now, callbackId: ticket.id, waitMs } });
    this.core.endCall(call, 'callback', 'caller', now, out);
    this.enterQueue(ticket, call.client, now, out);
  }

  // ---- waiting for its time, and its place in line -----------------------------------------

  scheduleOrEnter(ticket: CallbackTicket, client: ClientProfile, dueAt: number, now: number, out: Command[]): void {
    if (this.has(ticket.id)) return;
    if (dueAt <= now) this.enterQueue(ticket, client, now, out);
    else this.schedule(ticket, client, dueAt, now, out);
  }

  /** The `cbdue` timer: a scheduled callback's time has come. */
  due(id: CallbackId, now: number, out: Command[]): void {
    const entry = this.state.scheduled.get(id);
    if (!entry) return;
    this.state.scheduled.delete(id);
    this.enterQueue(entry.ticket, entry.client, now, out);
  }

  /** A callback entry reached the head of the line after its client closed: it waits for the next opening. */
  waitForOpening(call: LiveCall, cb: CallbackState, now: number, out: Command[]): void {
    this.state.calls.delete(call.id);
    this.schedule(cb.ticket, call.client, safeNextOpenAt(cb.ticket.schedule, now), now, out);
  }

  private schedule(ticket: CallbackTicket, client: ClientProfile, dueAt: number, now: number, out: Command[]): void {
    this.state.scheduled.set(ticket.id, { ticket, client, dueAt });
    out.push({ type: 'start-timer', key: timer.callbackDue(ticket.id), ms: Math.max(0, dueAt - now) });
    this.update(ticket, 'scheduled', dueAt, null, out);
  }

  /** A callback takes its place in line (only while the client is open). */
  private enterQueue(ticket: CallbackTicket, client: ClientProfile, now: number, out: Command[]): void {
    const id = callbackCallId(ticket.id);
    if (this.state.calls.has(id)) return;
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
    this.state.calls.set(id, call);
    this.update(ticket, 'queued', now, null, out);
    this.core.enqueue(call, now, out);
  }

  // ---- an attempt: the receptionist's leg, then the callee's --------------------------------

  /** The receptionist took the callback: their leg waits on hold while we dial the callee. */
  receptionistAnswered(call: LiveCall, cb: CallbackState, r: Receptionist, offerId: OfferId, now: number, out: Command[]): void {
    out.push({ type: 'cancel-timer', key: timer.ring(offerId) });
    call.phase = 'connected';
    call.offer = { ...call.offer!, answered: true };
    call.receptionistId = r.profile.id;
    r.missedInRow = 0;
    this.core.setPresenceTo(r, { kind: 'on-call', callId: call.id }, now, out);
    const attempt = cb.ticket.attempts + 1;
    cb.ticket = { ...cb.ticket, attempts: attempt };
    cb.calleeChannelId = callbackChannelId(cb.ticket.id, attempt);
    cb.calleeAnswered = false;
    this.state.callees.set(cb.calleeChannelId, call.id);
    out.push({ type: 'log', entry: { kind: 'offer-ended', callId: call.id, at: now, offerId, receptionistId: r.profile.id, outcome: 'answered' } });
    out.push({ type: 'hold-receptionist', callId: call.id, offerId, mohClass: call.client.mohClass });
    this.update(cb.ticket, 'dialing', null, { n: attempt, receptionistId: r.profile.id, outcome: null }, out);
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
    const callId = this.state.callees.get(channelId);
    const call = callId ? this.state.calls.get(callId) : undefined;
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
    this.update(cb.ticket, 'completed', null, { n: attempt, receptionistId: call.receptionistId, outcome: 'answered' }, out);
  }

  private calleeEnded(channelId: string, reason: LegEndReason, now: number, out: Command[]): void {
    const callId = this.state.callees.get(channelId);
    if (!callId) return;
    this.state.callees.delete(channelId);
    const call = this.state.calls.get(callId);
    const cb = call?.callback;
    if (!call || !cb || cb.calleeChannelId !== channelId) return;
    if (call.offer) out.push({ type: 'hangup-leg', callId, offerId: call.offer.offerId });
    if (cb.calleeAnswered) {
      this.core.endCall(call, 'completed', 'caller', now, out);
      return;
    }
    const outcome: CallbackAttemptOutcome = reason === 'hangup' ? 'failed' : reason;
    this.attemptFailed(call, cb, outcome, now, out);
  }

  /** The `cbring` timer: the callee never answered. */
  calleeRingTimedOut(callId: CallId, now: number, out: Command[]): void {
    const call = this.state.calls.get(callId);
    const cb = call?.callback;
    if (!call || !cb || !cb.calleeChannelId || cb.calleeAnswered) return;
    out.push({ type: 'hangup-callee', callId: call.id, channelId: cb.calleeChannelId });
    this.state.callees.delete(cb.calleeChannelId);
    if (call.offer) out.push({ type: 'hangup-leg', callId: call.id, offerId: call.offer.offerId });
    this.attemptFailed(call, cb, 'no-answer', now, out);
  }

  /** The receptionist hung up on a callback: before the callee answered, the attempt is over. */
  receptionistLeft(call: LiveCall, cb: CallbackState, now: number, out: Command[]): void {
    if (cb.calleeChannelId) {
      out.push({ type: 'hangup-callee', callId: call.id, channelId: cb.calleeChannelId });
      this.state.callees.delete(cb.calleeChannelId);
    }
    if (cb.calleeAnswered) {
      this.core.endCall(call, 'completed', 'receptionist', now, out);
      return;
    }
    this.attemptFailed(call, cb, 'cancelled', now, out);
  }

  /** No answer, busy or failed: the receptionist is released and the callback tries again later, or fails. */
  private attemptFailed(call: LiveCall, cb: CallbackState, outcome: CallbackAttemptOutcome, now: number, out: Command[]): void {
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
    this.core.endCall(call, 'failed', 'system', now, out);
    if (plan.kind === 'retry') {
      this.state.scheduled.set(cb.ticket.id, { ticket: cb.ticket, client: call.client, dueAt: plan.dueAt });
      out.push({ type: 'start-timer', key: timer.callbackDue(cb.ticket.id), ms: Math.max(0, plan.dueAt - now) });
      this.update(cb.ticket, 'scheduled', plan.dueAt, attemptRow, out);
    } else {
      this.update(cb.ticket, 'failed', null, attemptRow, out);
    }
  }

  private update(
    ticket: CallbackTicket,
    status: Extract<Command, { type: 'callback-update' }>['status'],
    dueAt: number | null,
    attempt: Extract<Command, { type: 'callback-update' }>['attempt'],
    out: Command[],
  ): void {
    out.push({ type: 'callback-update', callId: callbackCallId(ticket.id), ticket, status, dueAt, attempt });
  }

  /**
   * A callback that stayed connected through the restart: its receptionist is on the call again
   * and either side hanging up ends it as it would have. Nothing is recorded here: the answer was
   * recorded when it happened (or is recorded now through `callee-answered`, once).
   */
  restoreConnected(c: ConnectedCallback, now: number, out: Command[]): void {
    const id = callbackCallId(c.ticket.id);
    if (this.state.calls.has(id)) return;
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
    this.state.calls.set(id, call);
    this.state.callees.set(c.calleeChannelId, id);
    const r = this.state.receptionists.get(c.receptionistId);
    this.state.offers.set(c.offerId, { callId: id, receptionistId: c.receptionistId, idleSinceBefore: r?.idleSince ?? now });
    if (r && !(r.presence.kind === 'on-call' && r.presence.callId === id)) this.core.setPresenceTo(r, { kind: 'on-call', callId: id }, now, out);
  }
}
