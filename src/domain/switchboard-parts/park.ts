import type { CallSnapshot, Command, FeatureTrigger } from '../messages';
import type { CallId, ReceptionistId } from '../model';
import type { QueueCore } from './queue-core';
import { saveCall, timer, type LiveCall, type SwitchboardState } from './state';

/** Call park: the slots (first free one is used) and how long a call stays parked. */
export interface ParkSettings {
  slots: string[];
  timeoutSeconds: number;
}

export const DEFAULT_PARK_SETTINGS: ParkSettings = {
  slots: Array.from({ length: 20 }, (_, i) => String(701 + i)),
  timeoutSeconds: 45,
};

export type RetrieveResult =
  | { ok: true; callId: CallId; commands: Command[] }
  | { ok: false; code: 'no-such-parked-call' | 'no-such-receptionist' | 'receptionist-busy'; message: string };

export interface ParkedCall {
  slot: string;
  callId: CallId;
  clientId: string;
  parkedBy: ReceptionistId;
  since: number;
  callerName: string;
  callerNumber: string;
}

type ParkingCore = Pick<QueueCore, 'enterWrapUp' | 'setPresenceTo' | 'offer' | 'dispatch' | 'comeBack' | 'endCall'>;

/** Call park: a receptionist parks a caller in a slot; anyone retrieves it, or it comes back on its own. */
export class Parking {
  constructor(
    private readonly state: SwitchboardState,
    private readonly core: ParkingCore,
    private readonly settings: ParkSettings,
  ) {}

  freeSlot(): string | undefined {
    return this.settings.slots.find((s) => !this.state.slots.has(s));
  }

  /** Parks a connected call in `slot` (free, see freeSlot): the caller hears music, the receptionist goes to wrap-up. */
  park(call: LiveCall, slot: string, receptionistId: ReceptionistId, trigger: FeatureTrigger, now: number, out: Command[]): void {
    if (call.held) {
      call.held = false;
      out.push({ type: 'resume-caller', callId: call.id });
    }
    const offerId = call.offer!.offerId;
    // The receptionist hears the slot, then their leg is hung up (announce-park does both).
    this.state.offers.delete(offerId);
    call.offer = null;
    out.push({ type: 'announce-park', callId: call.id, offerId, slot });
    const r = this.state.receptionists.get(receptionistId);
    call.receptionistId = null;
    if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.core.enterWrapUp(r, call.id, now, out);
    call.phase = 'parked';
    call.park = { slot, byReceptionistId: receptionistId, at: now };
    this.state.slots.set(slot, call.id);
    out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
    call.onHold = true;
    out.push({ type: 'start-timer', key: timer.park(call.id), ms: this.settings.timeoutSeconds * 1000 });
    out.push({ type: 'log', entry: { kind: 'parked', callId: call.id, at: now, slot, receptionistId, trigger } });
    saveCall(call, out);
  }

  unpark(call: LiveCall, out?: Command[]): void {
    if (!call.park) return;
    if (this.state.slots.get(call.park.slot) === call.id) this.state.slots.delete(call.park.slot);
    out?.push({ type: 'cancel-timer', key: timer.park(call.id) });
    call.park = null;
  }

  /** The `park` timer: nobody retrieved the call; it comes back to whoever parked it, or the line. */
  timedOut(callId: CallId, now: number, out: Command[]): void {
    const call = this.state.calls.get(callId);
    if (!call || call.phase !== 'parked' || !call.park) return;
    const park = call.park;
    this.unpark(call);
    const next = this.core.comeBack(call, park.byReceptionistId, now, out);
    out.push({ type: 'log', entry: { kind: 'park-ended', callId, at: now, slot: park.slot, outcome: 'timeout', receptionistId: null, next } });
  }

  /** The parked caller hung up. */
  callerLeft(call: LiveCall, now: number, out: Command[]): void {
    const park = call.park!;
    out.push({ type: 'log', entry: { kind: 'park-ended', callId: call.id, at: now, slot: park.slot, outcome: 'caller-left', receptionistId: null, next: 'ended' } });
    this.core.endCall(call, 'completed', 'caller', now, out);
  }

  /**
   * A receptionist takes a parked call back: their phone is rung for it (ringing, answer, bridge as
   * any offer). Two retrieves of one slot: the serial executor runs them one after the other, the
   * first empties the slot, the second finds nothing (exactly one winner).
   */
  retrieve(slot: string, receptionistId: ReceptionistId, now: number): RetrieveResult {
    const callId = this.state.slots.get(slot);
    const call = callId ? this.state.calls.get(callId) : undefined;
    if (!call || call.phase !== 'parked' || !call.park) return { ok: false, code: 'no-such-parked-call', message: 'No call is parked in that slot.' };
    const r = this.state.receptionists.get(receptionistId);
    if (!r) return { ok: false, code: 'no-such-receptionist', message: 'No receptionist with that id.' };
    const free = r.reachable && !r.pending && (r.presence.kind === 'available' || r.presence.kind === 'wrap-up');
    if (!free) return { ok: false, code: 'receptionist-busy', message: 'That receptionist is not free to take a call.' };
    const out: Command[] = [];
    this.unpark(call, out);
    out.push({ type: 'log', entry: { kind: 'park-ended', callId: call.id, at: now, slot, outcome: 'retrieved', receptionistId, next: 'receptionist' } });
    call.phase = 'waiting';
    call.returning = true;
    if (r.presence.kind === 'wrap-up') {
      out.push({ type: 'cancel-timer', key: timer.wrapUp(r.profile.id) });
      this.core.setPresenceTo(r, { kind: 'available' }, now, out);
    }
    this.core.offer(call, r, now, out);
    this.core.dispatch(now, out);
    return { ok: true, callId: call.id, commands: out };
  }

  /**
   * After a restart: a call still parked in a free slot takes it again, and its timeout counts from
   * when it was parked. False if the slot is taken (the call then waits in line like any other).
   */
  restore(call: LiveCall, park: NonNullable<CallSnapshot['park']>, now: number, out: Command[]): boolean {
    if (this.state.slots.has(park.slot)) return false;
    call.park = { ...park };
    this.state.slots.set(park.slot, call.id);
    const left = park.at + this.settings.timeoutSeconds * 1000 - now;
    out.push({ type: 'start-timer', key: timer.park(call.id), ms: Math.max(0, left) });
    return true;
  }

  /** Parked calls, by slot. */
  parked(): ParkedCall[] {
    const list: ParkedCall[] = [];
    for (const [slot, callId] of this.state.slots) {
      const call = this.state.calls.get(callId);
      if (!call?.park) continue;
      list.push({ slot, callId, clientId: call.client.id, parkedBy: call.park.byReceptionistId, since: call.park.at, callerName: call.caller.name, callerNumber: call.caller.number });
    }
    return list.sort((a, b) => a.slot.localeCompare(b.slot));
  }
}
