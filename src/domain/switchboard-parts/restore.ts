import { callbackCallId, type CallbackTicket } from '../callbacks';
import type { CallSnapshot, Command } from '../messages';
import type { CallId, ClientProfile, ReceptionistId } from '../model';
import { snapshotOf, type ReceptionistSnapshot } from '../receptionist';
import type { Callbacks, ConnectedCallback } from './callbacks';
import type { Parking } from './park';
import type { QueueCore } from './queue-core';
import { saveCall, timer, UNREACHABLE_RETRY_MS, type LiveCall, type SwitchboardState } from './state';

/** What was saved before a restart, already reconciled with the PBX. */
export interface RestoreInput {
  receptionists: ReceptionistSnapshot[];
  calls: Array<{ snapshot: CallSnapshot; client: ClientProfile }>;
  callbacks?: Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }>;
  /** Callbacks whose receptionist and callee are both still up (reconciled with the PBX). */
  connectedCallbacks?: ConnectedCallback[];
}

type RestoreCore = Pick<QueueCore, 'setPresenceTo' | 'enterWrapUp' | 'leaveWrapUp' | 'dispatch' | 'overflowIfNobodyLoggedIn'>;

/**
 * Rebuilds state after a restart. `calls` must already be reconciled with the PBX: only
 * callers still there, offers already withdrawn (phase waiting) unless connected.
 */
export function restoreAfterRestart(
  state: SwitchboardState,
  core: RestoreCore,
  { callbacks, parking }: { callbacks: Callbacks; parking: Parking },
  input: RestoreInput,
  now: number,
): Command[] {
  const out: Command[] = [];
  // A receptionist is on a call after the restart only if that call comes back connected to them.
  const connectedTo = new Map<CallId, ReceptionistId | null>([
    ...input.calls.filter((c) => c.snapshot.phase === 'connected').map((c) => [c.snapshot.id, c.snapshot.receptionistId] as const),
    ...(input.connectedCallbacks ?? []).map((c) => [callbackCallId(c.ticket.id), c.receptionistId] as const),
  ]);
  for (const s of input.receptionists) {
    const r = state.receptionists.get(s.id);
    if (!r) continue;
    r.idleSince = s.idleSince;
    r.presenceSince = s.presenceSince;
    r.missedInRow = s.missedInRow;
    r.reachable = s.reachable;
    r.pending = s.pending;
    r.presence = s.presence;
    const p = s.presence;
    if (p.kind === 'ringing') {
      core.setPresenceTo(r, { kind: 'available' }, now, out); // its offer did not survive
    } else if (p.kind === 'on-call' && connectedTo.get(p.callId) !== r.profile.id) {
      core.enterWrapUp(r, p.callId, now, out);
    } else if (p.kind === 'wrap-up') {
      if (p.until <= now) {
        core.leaveWrapUp(r, now, out);
        if (r.presence.kind === 'available') {
          r.idleSince = p.until; // idle since the wrap-up ended, not since we noticed
          out.push({ type: 'save-receptionist', receptionist: snapshotOf(r) });
        }
      } else out.push({ type: 'start-timer', key: timer.wrapUp(r.profile.id), ms: p.until - now });
    }
    if (!r.reachable) out.push({ type: 'start-timer', key: timer.reachable(r.profile.id), ms: UNREACHABLE_RETRY_MS });
  }
  for (const { snapshot: s, client } of input.calls) {
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
    state.calls.set(call.id, call);
    // Still parked in the same slot; the park timeout counts from when it was parked.
    if (call.phase === 'parked' && s.park && parking.restore(call, s.park, now, out)) continue;
    const threeWay = s.transfer?.mode === 'announced' && s.transfer.threeWay && s.transfer.answered && call.offer && call.receptionistId;
    if (call.phase === 'connected' && s.transfer?.answered && !threeWay) {
      // Transferred: bridged with its destination, no receptionist on it any more.
      call.transfer = { ...s.transfer };
      call.offer = null;
      call.receptionistId = null;
      state.transferLegs.set(s.transfer.channelId, call.id);
      continue;
    }
    if (call.phase === 'connected' && call.offer && call.receptionistId) {
      const r = state.receptionists.get(call.receptionistId);
      state.offers.set(call.offer.offerId, { callId: call.id, receptionistId: call.receptionistId, idleSinceBefore: r?.idleSince ?? now });
      if (threeWay && s.transfer) {
        // A three-way call (reconcile kept it only with all three legs up) goes on as one.
        call.transfer = { ...s.transfer };
        state.transferLegs.set(s.transfer.channelId, call.id);
      }
      if (r && !(r.presence.kind === 'on-call' && r.presence.callId === call.id)) {
        core.setPresenceTo(r, { kind: 'on-call', callId: call.id }, now, out);
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
    state.queue.add({ callId: call.id, priorityTier: client.priorityTier, enqueuedAt: call.enqueuedAt });
    if (call.onHold && client.holdPrompt) {
      out.push({ type: 'start-timer', key: timer.prompt(call.id), ms: client.holdPrompt.everySeconds * 1000 });
    }
    callbacks.armOffer(call, now, out);
  }
  for (const c of input.connectedCallbacks ?? []) callbacks.restoreConnected(c, now, out);
  // Callbacks keep their place: they join the line before anyone is offered anything.
  for (const c of input.callbacks ?? []) callbacks.scheduleOrEnter(c.ticket, c.client, c.dueAt, now, out);
  core.dispatch(now, out);
  for (const call of state.calls.values()) {
    if (call.phase === 'waiting' && !call.onHold && !call.callback) {
      call.onHold = true;
      out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
      saveCall(call, out);
    }
  }
  core.overflowIfNobodyLoggedIn(now, out);
  return out;
}
