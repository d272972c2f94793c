import type { CallSnapshot, TimelineEntry } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import type { PbxBridge, PbxChannel } from '../ports/call-control';
import { callIdOfBridge, inboundDidFromAppData, isOfferChannel, receptionistOfOffer } from './channel-ids';

export interface ReconcileInput {
  app: string;
  now: number;
  calls: CallSnapshot[];
  receptionists: ReceptionistSnapshot[];
  receptionistIds: string[];
  channels: PbxChannel[];
  bridges: PbxBridge[];
}

export interface ReconcilePlan {
  /** Calls to restore, already matched with the PBX (waiting, or connected). */
  calls: CallSnapshot[];
  receptionists: ReceptionistSnapshot[];
  /** Answered offers that were never bridged: bridge them now. */
  connectNow: Array<{ callId: string; offerId: string }>;
  /** Calls that were in overflow (voicemail/announcement) when we lost track: start it again. */
  overflowAgain: string[];
  /** Callers in our Stasis app we have no record of (state store lost): treat as arrivals. */
  unknownCallers: Array<{ channel: PbxChannel; did: string }>;
  hangupChannels: string[];
  destroyBridges: string[];
  /** Timeline entries for calls that ended while we were not looking. */
  log: TimelineEntry[];
}

/**
 * Asterisk is the truth for what exists now; our store for what Asterisk cannot know (order,
 * idle-since). Pure: the caller does the I/O this plan asks for.
 */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const channels = new Map(input.channels.map((c) => [c.id, c]));
  const bridgeOf = new Map<string, PbxBridge>();
  for (const b of input.bridges) for (const ch of b.channelIds) bridgeOf.set(ch, b);
  const plan: ReconcilePlan = {
    calls: [],
    receptionists: input.receptionists,
    connectNow: [],
    overflowAgain: [],
    unknownCallers: [],
    hangupChannels: [],
    destroyBridges: [],
    log: [],
  };
  const keptOffers = new Set<string>();
  const knownCalls = new Set<string>();

  for (const call of input.calls) {
    knownCalls.add(call.id);
    const caller = channels.get(call.id);
    const offerId = call.offer?.offerId;
    const leg = offerId ? channels.get(offerId) : undefined;
    if (!caller) {
      const outcome = call.phase === 'connected' ? 'completed' : call.phase === 'overflow' ? 'voicemail' : 'abandoned';
      plan.log.push({
        kind: 'ended',
        callId: call.id,
        at: input.now,
        outcome,
        waitMs: (call.answeredAt ?? input.now) - call.arrivedAt,
        endedBy: 'caller',
      });
      if (leg) plan.hangupChannels.push(leg.id);
      continue;
    }
    if (call.phase === 'connected' || (call.phase === 'offering' && leg?.state === 'Up')) {
      if (leg) {
        keptOffers.add(leg.id);
        const receptionistId = call.offer!.receptionistId;
        const bridged = bridgeOf.get(leg.id)?.id === bridgeOf.get(caller.id)?.id && bridgeOf.has(leg.id);
        if (call.phase === 'offering' || !bridged) plan.connectNow.push({ callId: call.id, offerId: leg.id });
        plan.calls.push({
          ...call,
          phase: 'connected',
          offer: { ...call.offer!, answered: true },
          receptionistId,
          answeredAt: call.answeredAt ?? input.now,
        });
      } else {
        // The receptionist's leg is gone: the caller's leg ends too.
        plan.hangupChannels.push(caller.id);
        plan.log.push({ kind: 'ended', callId: call.id, at: input.now, outcome: 'completed', waitMs: (call.answeredAt ?? input.now) - call.arrivedAt, endedBy: 'receptionist' });
      }
      continue;
    }
    if (leg) plan.hangupChannels.push(leg.id); // a half-made offer
    if (call.phase === 'overflow') {
      plan.overflowAgain.push(call.id);
      plan.calls.push(call);
      continue;
    }
    plan.calls.push({ ...call, phase: 'waiting', offer: null });
  }

  // Callers in our app with no record (the state store was lost): rebuild from Asterisk alone.
  for (const ch of input.channels) {
    if (knownCalls.has(ch.id) || isOfferChannel(ch.id)) continue;
    if (ch.appName !== 'Stasis') continue;
    const did = inboundDidFromAppData(ch.appData, input.app);
    if (did === undefined) continue;
    const bridge = bridgeOf.get(ch.id);
    const legId = bridge?.channelIds.find((id) => isOfferChannel(id) && channels.get(id)?.state === 'Up');
    const receptionistId = legId ? receptionistOfOffer(legId, input.receptionistIds) : undefined;
    if (legId && receptionistId) {
      keptOffers.add(legId);
      knownCalls.add(ch.id);
      plan.calls.push({
        id: ch.id,
        clientId: '',
        did,
        caller: { name: ch.callerName, number: ch.callerNumber },
        knownNumber: false,
        arrivedAt: ch.createdAt,
        enqueuedAt: ch.createdAt,
        priorityTier: 0,
        phase: 'connected',
        offer: { offerId: legId, receptionistId, startedAt: ch.createdAt, answered: true },
        receptionistId,
        answeredAt: input.now,
        onHold: false,
      });
      continue;
    }
    knownCalls.add(ch.id);
    plan.unknownCallers.push({ channel: ch, did });
  }
  plan.unknownCallers.sort((a, b) => a.channel.createdAt - b.channel.createdAt);

  for (const ch of input.channels) {
    if (isOfferChannel(ch.id) && !keptOffers.has(ch.id) && !plan.hangupChannels.includes(ch.id)) plan.hangupChannels.push(ch.id);
  }
  for (const b of input.bridges) {
    const callId = callIdOfBridge(b.id);
    if (callId !== undefined && !knownCalls.has(callId)) plan.destroyBridges.push(b.id);
    else if (callId !== undefined && !plan.calls.some((c) => c.id === callId)) plan.destroyBridges.push(b.id);
  }
  return plan;
}
