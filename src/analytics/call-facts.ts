import type { CallOutcome, OverflowReason, TimelineEntry } from '../domain/messages';

/**
 * Timeline kinds the call server does not log yet. Analytics accepts them today, in these
 * shapes, so transfers, holds, messages and callbacks show up the day they are logged.
 * - `transferred`: a completed (blind or attended) transfer; the receptionist left the call at `at`.
 * - `held` / `resumed`: the receptionist put the caller on hold and took them back.
 * - `message-taken`, `callback-requested`: a message or a callback request taken for the client.
 */
export type ProposedTimelineEntry =
  | { kind: 'transferred'; callId: string; at: number; receptionistId: string; extension: string; context: string }
  | { kind: 'held'; callId: string; at: number; receptionistId: string }
  | { kind: 'resumed'; callId: string; at: number; receptionistId: string }
  | { kind: 'message-taken'; callId: string; at: number; receptionistId: string }
  | { kind: 'callback-requested'; callId: string; at: number; receptionistId: string };

export type AnalyticsTimelineEntry = TimelineEntry | ProposedTimelineEntry;

export interface OfferFacts {
  receptionistId: string;
  offeredAt: number;
  /** null while still ringing. */
  endedAt: number | null;
  outcome: 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'failed' | 'cancelled' | null;
}

/** One call, reduced to what the figures need. Times are ms since the epoch. */
export interface CallFacts {
  callId: string;
  clientId: string;
  knownNumber: boolean;
  arrivedAt: number;
  /**
   * The caller entered the queue: false only when the call overflowed because nobody was
   * logged in before any receptionist was offered it (the service was closed to it).
   */
  enteredQueue: boolean;
  answeredAt: number | null;
  /** Who answered. */
  receptionistId: string | null;
  /** Arrival to answer; for an unanswered call, arrival to when it left the queue (or the end). */
  waitMs: number | null;
  endedAt: number | null;
  outcome: CallOutcome | null;
  overflowReason: OverflowReason | null;
  /** Answer to when the receptionist left (end of call or a completed transfer), less hold. */
  talkMs: number;
  holdMs: number;
  /** Time the caller spent with the transfer target after a completed transfer. */
  afterTransferMs: number;
  transferredAt: number | null;
  transfers: number;
  messages: number;
  callbacks: number;
  voicemails: number;
  offers: OfferFacts[];
}

/**
 * Reads a call's timeline (in logged order) into its facts. Entries may be incomplete (a call in
 * progress): the facts then say so with nulls, and a later roll-up sees the rest.
 */
export function callFactsFromTimeline(timeline: readonly AnalyticsTimelineEntry[]): CallFacts | null {
  const arrived = timeline.find((e): e is Extract<TimelineEntry, { kind: 'arrived' }> => e.kind === 'arrived');
  if (!arrived) return null;
  const facts: CallFacts = {
    callId: arrived.callId,
    clientId: arrived.clientId,
    knownNumber: arrived.knownNumber,
    arrivedAt: arrived.at,
    enteredQueue: true,
    answeredAt: null,
    receptionistId: null,
    waitMs: null,
    endedAt: null,
    outcome: null,
    overflowReason: null,
    talkMs: 0,
    holdMs: 0,
    afterTransferMs: 0,
    transferredAt: null,
    transfers: 0,
    messages: 0,
    callbacks: 0,
    voicemails: 0,
    offers: [],
  };
  const openOffers = new Map<string, OfferFacts>();
  let heldSince: number | null = null;
  let overflowWaitMs: number | null = null;
  for (const e of timeline) {
    switch (e.kind) {
      case 'offered': {
        const offer: OfferFacts = { receptionistId: e.receptionistId, offeredAt: e.at, endedAt: null, outcome: null };
        openOffers.set(e.offerId, offer);
        facts.offers.push(offer);
        break;
      }
      case 'offer-ended': {
        const offer = openOffers.get(e.offerId);
        if (offer) {
          offer.endedAt = e.at;
          offer.outcome = e.outcome;
          openOffers.delete(e.offerId);
        }
        break;
      }
      case 'answered':
        // A caller answered again (back from a failed transfer or from park) keeps the first
        // answer: speed of answer and the handling receptionist are the first one's.
        if (facts.answeredAt !== null) break;
        facts.answeredAt = e.at;
        facts.receptionistId = e.receptionistId;
        facts.waitMs = e.waitMs;
        break;
      case 'overflowed':
        facts.overflowReason = e.reason;
        overflowWaitMs = e.waitMs;
        if (e.reason === 'nobody-logged-in' && facts.offers.length === 0 && facts.answeredAt === null) facts.enteredQueue = false;
        break;
      case 'voicemail-recorded':
        facts.voicemails += 1;
        break;
      // What the call server writes for feature codes (src/domain/messages.ts) ...
      case 'feature':
        if (e.result !== 'done') break;
        if (e.action === 'hold') heldSince ??= e.at;
        if (e.action === 'resume' && heldSince !== null) {
          facts.holdMs += e.at - heldSince;
          heldSince = null;
        }
        break;
      case 'transfer':
        // A blind transfer releases the receptionist as it starts dialling.
        if (e.result === 'dialing' && e.mode === 'blind') {
          facts.transfers += 1;
          facts.transferredAt ??= e.at;
        }
        break;
      case 'consult':
        // An announced transfer counts once the receptionist completes it.
        if (e.result === 'done' && e.step === 'completed') {
          facts.transfers += 1;
          facts.transferredAt ??= e.at;
        }
        break;
      // ... and the kinds proposed before those existed (fixtures, imported timelines).
      case 'held':
        heldSince ??= e.at;
        break;
      case 'resumed':
        if (heldSince !== null) facts.holdMs += e.at - heldSince;
        heldSince = null;
        break;
      case 'transferred':
        facts.transfers += 1;
        facts.transferredAt ??= e.at;
        break;
      case 'message-taken':
        facts.messages += 1;
        break;
      case 'callback-requested':
        facts.callbacks += 1;
        break;
      case 'ended':
        facts.endedAt = e.at;
        facts.outcome = e.outcome;
        break;
    }
  }
  const receptionistLeftAt = facts.transferredAt ?? facts.endedAt;
  if (heldSince !== null && receptionistLeftAt !== null) facts.holdMs += Math.max(0, receptionistLeftAt - heldSince);
  if (facts.answeredAt !== null && receptionistLeftAt !== null) {
    facts.talkMs = Math.max(0, receptionistLeftAt - facts.answeredAt - facts.holdMs);
  }
  if (facts.transferredAt !== null && facts.endedAt !== null) facts.afterTransferMs = Math.max(0, facts.endedAt - facts.transferredAt);
  if (facts.waitMs === null) {
    if (overflowWaitMs !== null) facts.waitMs = overflowWaitMs;
    else if (facts.endedAt !== null) facts.waitMs = facts.endedAt - facts.arrivedAt;
  }
  return facts;
}

/** Abandoned: the caller hung up before anyone answered (while waiting or while a phone rang). */
export function isAbandoned(c: CallFacts): boolean {
  return c.outcome === 'abandoned';
}

/** The receptionist whose phone was ringing when the caller hung up, if any. */
export function abandonedDuringRingOf(c: CallFacts): string | null {
  if (!isAbandoned(c) || c.endedAt === null) return null;
  const last = c.offers[c.offers.length - 1];
  if (last && last.outcome === 'cancelled' && last.endedAt === c.endedAt) return last.receptionistId;
  if (last && last.endedAt === null) return last.receptionistId;
  return null;
}

/** An offer the receptionist's phone did not take (not one we withdrew). */
export function isMissedOffer(o: OfferFacts): boolean {
  return o.outcome === 'busy' || o.outcome === 'no-answer' || o.outcome === 'unreachable' || o.outcome === 'failed';
}
