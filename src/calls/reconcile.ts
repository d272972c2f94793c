import { callbackCallId, parseCallbackChannelId } from '../domain/callbacks';
import type { CallSnapshot, TimelineEntry } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import type { PbxBridge, PbxChannel } from '../ports/call-control';
import { callIdOfBridge, inboundDidFromAppData, isOfferChannel, receptionistOfOffer } from './channel-ids';
import { CONSULT_BRIDGE_PREFIX } from './call-media';

export interface ReconcileInput {
  app: string;
  now: number;
  calls: CallSnapshot[];
  receptionists: ReceptionistSnapshot[];
  receptionistIds: string[];
  channels: PbxChannel[];
  bridges: PbxBridge[];
  /** Callbacks whose receptionist had answered (being dialled, or talking to the callee), as our stores know them. */
  callbacks?: CallbackInProgress[];
}

export interface CallbackInProgress {
  callbackId: string;
  /** The attempt being dialled or answered. */
  attempt: number;
  /** The callee's answer is recorded (callback `completed`, attempt `answered`). */
  answered: boolean;
  answeredAt: number | null;
  /** Its place in line: the start of its wait. */
  enqueuedAt: number;
}

/** A callback whose receptionist and callee are both still up: it stays connected. */
export interface KeptCallback {
  callId: string;
  callbackId: string;
  attempt: number;
  offerId: string;
  receptionistId: string;
  calleeChannelId: string;
  /** The callee's leg is up but not in the bridge (it answered while we were away): put it in. */
  connectCallee: boolean;
  /** The answer happened while we were away and is not recorded yet: record it now (once). */
  recordAnswer: boolean;
}

export interface ReconcilePlan {
  /** Calls to restore, already matched with the PBX (waiting, or connected). */
  calls: CallSnapshot[];
  receptionists: ReceptionistSnapshot[];
  /** Answered offers that were never bridged: bridge them now. */
  connectNow: Array<{ callId: string; offerId: string }>;
  /** Announced transfers being consulted when we lost track: the consultation ends, the receptionist is back with the caller. */
  consultReturn: Array<{ callId: string; offerId: string }>;
  /** Calls that were in overflow (voicemail/announcement) when we lost track: start it again. */
  overflowAgain: string[];
  /** Callers in our Stasis app we have no record of (state store lost): treat as arrivals. */
  unknownCallers: Array<{ channel: PbxChannel; did: string }>;
  /** Connected callbacks to restore; every other callback leg is hung up (the outbox decides what follows). */
  callbacks: KeptCallback[];
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
    consultReturn: [],
    overflowAgain: [],
    unknownCallers: [],
    callbacks: [],
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
      const outcome = call.phase === 'connected' || call.phase === 'parked' ? 'completed' : call.phase === 'overflow' ? 'voicemail' : 'abandoned';
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
    if (call.phase === 'parked' && call.park) {
      // Parked callers stay parked in their slot (the slot number was told to the receptionist);
      // the park timer restarts with what was left of it.
      if (leg) plan.hangupChannels.push(leg.id);
      plan.calls.push({ ...call, offer: null, receptionistId: null });
      continue;
    }
    if (call.phase === 'connected' && call.transfer?.mode === 'announced') {
      // An announced transfer being consulted (its ring timer and reader were lost). Kept simple
      // and safe: a three-way call with all three legs up goes on as it is; otherwise, with the
      // receptionist's leg up, the contact's leg is hung up and the receptionist is back with the
      // caller; without it, the caller waits in line again. Never dropped.
      const t = call.transfer;
      const xfer = channels.get(t.channelId);
      const legUp = leg?.state === 'Up';
      const xferUp = xfer?.state === 'Up';
      if (leg && legUp && t.threeWay && t.answered && xferUp) {
        keptOffers.add(leg.id);
        plan.calls.push(call);
        continue;
      }
      if (!legUp && t.threeWay && t.answered && xferUp) {
        // The receptionist left the three-way call: the caller and the contact stay connected.
        if (leg) plan.hangupChannels.push(leg.id);
        const { channelId, destination, fromReceptionistId } = t;
        plan.calls.push({ ...call, offer: null, receptionistId: null, transfer: { channelId, destination, answered: true, fromReceptionistId } });
        continue;
      }
      if (xfer) plan.hangupChannels.push(xfer.id);
      if (leg && legUp) {
        keptOffers.add(leg.id);
        plan.consultReturn.push({ callId: call.id, offerId: leg.id });
        plan.calls.push({ ...call, transfer: undefined, heldByReceptionist: undefined, onHold: false });
        continue;
      }
      if (leg) plan.hangupChannels.push(leg.id);
      plan.calls.push({ ...call, phase: 'waiting', offer: null, receptionistId: null, transfer: undefined, heldByReceptionist: undefined, onHold: false });
      continue;
    }
    if (call.phase === 'connected' && call.transfer) {
      // A blind transfer: connected to its destination survives; one still ringing does not (its
      // ring timer was lost): that leg is hung up and the caller waits in line again, never dropped.
      const xfer = channels.get(call.transfer.channelId);
      if (xfer && call.transfer.answered && xfer.state === 'Up') {
        plan.calls.push(call);
        continue;
      }
      if (xfer) plan.hangupChannels.push(xfer.id);
      if (leg) plan.hangupChannels.push(leg.id);
      plan.calls.push({ ...call, phase: 'waiting', offer: null, receptionistId: null, transfer: undefined, heldByReceptionist: undefined, onHold: false });
      continue;
    }
    if (call.phase === 'connected' || (call.phase === 'offering' && leg?.state === 'Up')) {
      if (leg) {
        keptOffers.add(leg.id);
        const receptionistId = call.offer!.receptionistId;
        const bridged = bridgeOf.get(leg.id)?.id === bridgeOf.get(caller.id)?.id && bridgeOf.has(leg.id);
        // A caller on hold by the receptionist is out of the bridge on purpose.
        if (call.phase === 'offering' || (!bridged && !call.heldByReceptionist)) plan.connectNow.push({ callId: call.id, offerId: leg.id });
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

  reconcileCallbacks(input, channels, plan, keptOffers, knownCalls);

  // Callers in our app with no record (the state store was lost): rebuild from Asterisk alone.
  for (const ch of input.channels) {
    if (knownCalls.has(ch.id) || isOfferChannel(ch.id)) continue;
    if (ch.appName !== 'Stasis') continue;
    // A feature code from an idle phone whose beep-and-hangup was lost with the old process.
    if (ch.appData.split(',')[0] === input.app && ch.appData.split(',')[1] === 'feature') {
      plan.hangupChannels.push(ch.id);
      continue;
    }
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

  const keptCallees = new Set(plan.callbacks.map((k) => k.calleeChannelId));
  for (const ch of input.channels) {
    // An outbound callback leg survives only as part of a connected callback.
    const stray = isOfferChannel(ch.id) ? !keptOffers.has(ch.id) : parseCallbackChannelId(ch.id) !== null && !keptCallees.has(ch.id);
    if (stray && !plan.hangupChannels.includes(ch.id)) plan.hangupChannels.push(ch.id);
  }
  const keptThreeWay = new Set(plan.calls.filter((c) => c.transfer?.mode === 'announced').map((c) => c.id));
  for (const b of input.bridges) {
    // A consultation bridge survives nothing: every consultation ends at a restart (a three-way call is in the caller's bridge).
    if (b.id.startsWith(CONSULT_BRIDGE_PREFIX) && !keptThreeWay.has(b.id.slice(CONSULT_BRIDGE_PREFIX.length))) {
      plan.destroyBridges.push(b.id);
      continue;
    }
    const callId = callIdOfBridge(b.id);
    if (callId !== undefined && !knownCalls.has(callId)) plan.destroyBridges.push(b.id);
    else if (callId !== undefined && !plan.calls.some((c) => c.id === callId) && !plan.callbacks.some((k) => k.callId === callId)) plan.destroyBridges.push(b.id);
  }
  return plan;
}

/**
 * A callback is connected when its bridge `sb-call-callback-<id>` holds the receptionist's leg,
 * Up, and the callee's leg `sb-cb-<id>-<attempt>` is Up too: it is kept exactly like a connected
 * inbound call. Anything less (the callee still ringing, or gone) is not kept: its legs are hung
 * up and the attempt follows the outbox rules (recorded `interrupted`, never dialled twice). A
 * callback whose answer was recorded but one side of which is gone ended while we were away.
 */
function reconcileCallbacks(input: ReconcileInput, channels: Map<string, PbxChannel>, plan: ReconcilePlan, keptOffers: Set<string>, knownCalls: Set<string>): void {
  const known = new Map((input.callbacks ?? []).map((c) => [c.callbackId, c]));
  const callees = new Map<string, PbxChannel[]>();
  for (const ch of input.channels) {
    const parsed = parseCallbackChannelId(ch.id);
    if (parsed) callees.set(parsed.callbackId, [...(callees.get(parsed.callbackId) ?? []), ch]);
  }
  const bridgeOfCall = new Map<string, PbxBridge>();
  for (const b of input.bridges) {
    const callId = callIdOfBridge(b.id);
    if (callId) bridgeOfCall.set(callId, b);
  }
  const ids = new Set([...known.keys()]);
  const prefix = callbackCallId('');
  for (const callId of bridgeOfCall.keys()) if (callId.startsWith(prefix)) ids.add(callId.slice(prefix.length));

  for (const callbackId of ids) {
    const callId = callbackCallId(callbackId);
    const record = known.get(callbackId);
    const bridge = bridgeOfCall.get(callId);
    const offerId = bridge?.channelIds.find((id) => isOfferChannel(id) && channels.get(id)?.state === 'Up');
    const receptionistId = offerId ? receptionistOfOffer(offerId, input.receptionistIds) : undefined;
    const legs = (callees.get(callbackId) ?? []).filter((ch) => !record || parseCallbackChannelId(ch.id)?.attempt === record.attempt);
    // Without a record, Asterisk alone says which attempt is live: the latest one that is Up.
    const callee = legs
      .filter((ch) => ch.state === 'Up')
      .sort((a, b) => parseCallbackChannelId(b.id)!.attempt - parseCallbackChannelId(a.id)!.attempt)[0];
    if (offerId && receptionistId && callee) {
      keptOffers.add(offerId);
      knownCalls.add(callId);
      plan.callbacks.push({
        callId,
        callbackId,
        attempt: parseCallbackChannelId(callee.id)!.attempt,
        offerId,
        receptionistId,
        calleeChannelId: callee.id,
        connectCallee: !bridge!.channelIds.includes(callee.id),
        recordAnswer: record !== undefined && !record.answered,
      });
      continue;
    }
    if (record?.answered) {
      plan.log.push({
        kind: 'ended',
        callId,
        at: input.now,
        outcome: 'completed',
        waitMs: (record.answeredAt ?? input.now) - record.enqueuedAt,
        endedBy: offerId ? 'caller' : 'receptionist',
      });
    }
  }
}
