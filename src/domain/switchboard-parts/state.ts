import { openingStateAt, type BusinessSchedule } from '../business-hours';
import { CallQueue, type QueueEntry } from '../call-queue';
import { nextOpenAt, type CallbackId, type CallbackTicket } from '../callbacks';
import type { CallPhase, CallSnapshot, Command } from '../messages';
import type { CallerId, CallId, ClientProfile, OfferId, ReceptionistId } from '../model';
import type { Receptionist } from '../receptionist';

/** How long a phone that failed as unreachable is left alone before it is tried again. */
export const UNREACHABLE_RETRY_MS = 30_000;

/** A call the switchboard holds: a caller on the line, or a callback's place in line. */
export interface LiveCall {
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

/** A transfer in progress: the same shape the call's snapshot stores (see CallSnapshot). */
export type TransferState = NonNullable<CallSnapshot['transfer']>;

export interface CallbackState {
  ticket: CallbackTicket;
  /** The outbound leg of the attempt in progress, once the receptionist answered. */
  calleeChannelId: string | null;
  calleeAnswered: boolean;
}

/** A callback waiting for its time (a retry's backoff, the client's opening hours, notBefore). */
export interface ScheduledCallback {
  ticket: CallbackTicket;
  client: ClientProfile;
  dueAt: number;
}

export interface OfferRef {
  callId: CallId;
  receptionistId: ReceptionistId;
  /** idleSince before the offer, given back when the offer ends through no fault of theirs. */
  idleSinceBefore: number;
}

/** Everything the switchboard knows, shared by the queue core and its collaborators. */
export class SwitchboardState {
  readonly receptionists = new Map<ReceptionistId, Receptionist>();
  readonly calls = new Map<CallId, LiveCall>();
  readonly offers = new Map<OfferId, OfferRef>();
  readonly queue = new CallQueue();
  readonly scheduled = new Map<CallbackId, ScheduledCallback>();
  /** Outbound callback legs -> the callback entry's call id. */
  readonly callees = new Map<string, CallId>();
  /** Outbound legs of blind transfers -> the caller's call id. */
  readonly transferLegs = new Map<string, CallId>();
  /** Park slot -> the call parked in it. */
  readonly slots = new Map<string, CallId>();
}

/** Ahead of every priority tier: a caller whose transfer failed goes to the front of the line. */
const FRONT_TIER = 1_000_000;

export function queueEntry(call: LiveCall): QueueEntry {
  return { callId: call.id, priorityTier: call.returning ? FRONT_TIER : call.client.priorityTier, enqueuedAt: call.enqueuedAt };
}

export const timer = {
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

/** A schedule that cannot be read (bad time zone) must not stop the queue: treat it as open. */
export function isOpen(schedule: BusinessSchedule, now: number): boolean {
  try {
    return openingStateAt(schedule, now).open;
  } catch {
    return true;
  }
}

export function safeNextOpenAt(schedule: BusinessSchedule, from: number): number {
  try {
    return nextOpenAt(schedule, from);
  } catch {
    return from;
  }
}

/** Still free for this call: available, or wrapping up after it (and not about to pause). */
export function isFreeFor(r: Receptionist | undefined, call: LiveCall): r is Receptionist {
  return (
    !!r &&
    r.reachable &&
    (r.presence.kind === 'available' || (r.presence.kind === 'wrap-up' && r.presence.callId === call.id)) &&
    !r.pending
  );
}

export function snapshotOfCall(call: Omit<LiveCall, 'callback'> & { callback?: CallbackState | null }): CallSnapshot {
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

export function saveCall(call: LiveCall, out: Command[]): void {
  if (call.callback) return; // callbacks live in PostgreSQL (callback-update), not with the channels
  out.push({ type: 'save-call', call: snapshotOfCall(call) });
}
