import type { CallOutcome, Command, OfferOutcome, OverflowReason } from '../messages';
import type { CallId, OfferId, ReceptionistId } from '../model';
import type { Presence, Receptionist } from '../receptionist';
import type { LiveCall } from './state';

/**
 * The queue core's operations that transfers, park, callbacks and restore call back into. The Switchboard
 * implements them and hands each collaborator the few it needs (a Pick of this), so the
 * collaborators never import the Switchboard itself.
 */
export interface QueueCore {
  /** Puts a caller in line at their place; if nobody takes them at once, they hear hold treatment. */
  enqueue(call: LiveCall, now: number, out: Command[]): void;
  /** Offers waiting callers to free receptionists until one side runs out. */
  dispatch(now: number, out: Command[]): void;
  offer(call: LiveCall, r: Receptionist, now: number, out: Command[]): void;
  /** We take back an offer (caller left, overflow, receptionist logged out): no fault of theirs. */
  withdrawOffer(offerId: OfferId, outcome: OfferOutcome, now: number, out: Command[]): void;
  overflow(call: LiveCall, reason: OverflowReason, now: number, out: Command[]): void;
  endCall(call: LiveCall, outcome: CallOutcome, endedBy: 'caller' | 'receptionist' | 'system', now: number, out: Command[]): void;
  /** A caller who had been answered comes back: to that receptionist if still free, else to the front of the line. */
  comeBack(call: LiveCall, receptionistId: ReceptionistId, now: number, out: Command[]): 'back-to-receptionist' | 'queue';
  /** The receptionist's part in the call is over (the call goes on without them): wrap-up. */
  releaseReceptionist(call: LiveCall, now: number, out: Command[]): ReceptionistId | null;
  enterWrapUp(r: Receptionist, callId: CallId, now: number, out: Command[]): void;
  /** Out of wrap-up: to the presence they asked for meanwhile (pause, log out), else available. */
  leaveWrapUp(r: Receptionist, now: number, out: Command[]): void;
  setPresenceTo(r: Receptionist, presence: Presence, now: number, out: Command[]): void;
  anyoneLoggedIn(): boolean;
  /** With nobody logged in any more, every waiting caller goes to the client's overflow treatment. */
  overflowIfNobodyLoggedIn(now: number, out: Command[]): void;
}
