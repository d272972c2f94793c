/** What Switchboard knows about the businesses it answers for and the people who answer. */

export type ClientId = string;
export type ReceptionistId = string;
/** A call is named by the id of the caller's channel (Asterisk's uniqueid). */
export type CallId = string;
export type OfferId = string;

export interface CallerId {
  name: string;
  number: string;
}

export type OverflowTreatment =
  | { kind: 'voicemail'; mailbox: string; greeting: string; maxSeconds: number }
  | { kind: 'announcement'; media: string };

export interface HoldPrompt {
  media: string;
  everySeconds: number;
}

export interface ClientProfile {
  id: ClientId;
  name: string;
  greeting: string;
  mohClass: string;
  holdPrompt: HoldPrompt | null;
  announcePosition: boolean;
  /** Higher tiers are served first; within a tier, longest wait first. */
  priorityTier: number;
  /** 0 means no limit. */
  maxWaitSeconds: number;
  overflow: OverflowTreatment;
  /** Offer a callback to a caller who has waited this long; 0 or absent: never. */
  callbackOfferAfterSeconds?: number;
}

export interface ReceptionistProfile {
  id: ReceptionistId;
  name: string;
  /** ARI dial string, e.g. PJSIP/rx1. */
  endpoint: string;
  groupId: string;
  wrapUpSeconds: number;
  ringTimeoutSeconds: number;
  /** Offers missed in a row before the receptionist is paused with reason `missed-calls`. */
  maxMissedOffers: number;
}

export const MISSED_CALLS_PAUSE_REASON = 'missed-calls';
