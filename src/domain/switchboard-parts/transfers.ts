import {
  decideDestination,
  DEFAULT_DESTINATION_POLICY,
  describeDestination,
  dialString,
  requestForLog,
  type ClientTransferRules,
  type DestinationPolicy,
  type DialTemplates,
  type RefusalCode,
  type TransferRequest,
} from '../destinations';
import type { Command, ConsultStep, ConsultTrigger, FeatureTrigger, LegEndReason } from '../messages';
import type { CallId, OfferId, ReceptionistId } from '../model';
import type { QueueCore } from './queue-core';
import { isFreeFor, saveCall, timer, type LiveCall, type SwitchboardState, type TransferState } from './state';

/** Blind transfers: where they may go (destinations.ts) and how they are dialled. */
export interface TransferSettings {
  policy: DestinationPolicy;
  templates: DialTemplates;
  /** How long the destination rings before the caller comes back. */
  ringSeconds: number;
  /** How long a consulted contact (announced transfer) rings before the receptionist is back with the caller; default 20. */
  announcedRingSeconds?: number;
}

export const DEFAULT_ANNOUNCED_RING_SECONDS = 20;

export const DEFAULT_TRANSFER_SETTINGS: TransferSettings = {
  policy: DEFAULT_DESTINATION_POLICY,
  templates: { number: 'PJSIP/{number}@trunk', extension: 'PJSIP/{ext}' },
  ringSeconds: 25,
  announcedRingSeconds: DEFAULT_ANNOUNCED_RING_SECONDS,
};

export type TransferMode = 'blind' | 'announced';

/** Why a transfer was not started; the attempt is on the timeline already. */
export interface TransferRefusal {
  code: RefusalCode;
  message: string;
  voicemailOffered?: boolean;
}

type TransfersCore = Pick<QueueCore, 'releaseReceptionist' | 'endCall' | 'comeBack' | 'enterWrapUp' | 'anyoneLoggedIn' | 'overflow' | 'enqueue'>;

/**
 * Blind and announced (screened) transfers: the outbound leg to the destination, the
 * consultation while the receptionist announces the caller, and what becomes of the caller when
 * the destination does not answer (never dropped).
 */
export class Transfers {
  private seq = 0;

  constructor(
    private readonly state: SwitchboardState,
    private readonly core: TransfersCore,
    private readonly settings: TransferSettings,
  ) {}

  /**
   * Checks the destination and starts the transfer; a refusal comes back (and is logged) instead.
   * Blind: the receptionist is released while the destination rings. Announced: the receptionist
   * consults the contact first.
   */
  start(
    call: LiveCall,
    receptionistId: ReceptionistId,
    trigger: FeatureTrigger,
    mode: TransferMode,
    request: TransferRequest | { keyed: string },
    rules: ClientTransferRules,
    now: number,
    out: Command[],
  ): TransferRefusal | null {
    const checked = this.check(call, receptionistId, trigger, request, rules, mode, now, out);
    if (!checked.ok) return checked.refusal;
    if (mode === 'blind') this.startBlind(call, receptionistId, checked.destination, checked.endpoint, now, out);
    else this.startConsult(call, receptionistId, checked.destination, checked.contactCode, checked.endpoint, now, out);
    return null;
  }

  /**
   * A transfer's destination, checked by the client's rules (an announced transfer may reach an
   * `always_screen` contact; a blind one may not) and turned into a dial string. The attempt is
   * logged either way: `dialing`, or `refused` with its code.
   */
  private check(
    call: LiveCall,
    receptionistId: ReceptionistId,
    trigger: FeatureTrigger,
    request: TransferRequest | { keyed: string },
    rules: ClientTransferRules,
    mode: TransferMode,
    now: number,
    out: Command[],
  ): { ok: true; destination: string; contactCode: string | null; endpoint: string } | { ok: false; refusal: TransferRefusal } {
    const requested = requestForLog(request);
    const log = (result: 'dialing' | 'refused', destination: string | null, contactCode: string | null, code: string | null) =>
      out.push({
        type: 'log',
        entry: { kind: 'transfer', callId: call.id, at: now, receptionistId, trigger, mode, requested, destination, contactCode, result, code },
      });
    const decision = decideDestination(request, rules, this.settings.policy, mode === 'announced' ? { screened: true } : undefined);
    if (!decision.ok) {
      log('refused', null, null, decision.code);
      return { ok: false, refusal: { code: decision.code, message: decision.message, ...(decision.voicemailOffered ? { voicemailOffered: true } : {}) } };
    }
    const destination = describeDestination(decision.destination);
    const contactCode = decision.destination.contact?.code ?? null;
    let endpoint: string;
    try {
      endpoint = dialString(decision.destination, this.settings.templates);
    } catch {
      log('refused', destination, contactCode, 'invalid-destination');
      return { ok: false, refusal: { code: 'invalid-destination', message: 'That destination cannot be dialled.' } };
    }
    log('dialing', destination, contactCode, null);
    return { ok: true, destination, contactCode, endpoint };
  }

  private startBlind(call: LiveCall, receptionistId: ReceptionistId, destination: string, endpoint: string, now: number, out: Command[]): void {
    if (call.held) {
      call.held = false;
      out.push({ type: 'resume-caller', callId: call.id });
    }
    this.core.releaseReceptionist(call, now, out);
    const channelId = this.newChannelId(call.id);
    call.transfer = { channelId, destination, answered: false, fromReceptionistId: receptionistId };
    this.state.transferLegs.set(channelId, call.id);
    // The caller hears the client's music while the destination rings.
    out.push({ type: 'hold-caller', callId: call.id, mohClass: call.client.mohClass });
    call.onHold = true;
    out.push({
      type: 'dial-transfer',
      callId: call.id,
      channelId,
      endpoint,
      callerName: call.caller.name,
      callerNumber: call.caller.number,
      timeoutSeconds: this.settings.ringSeconds,
    });
    out.push({ type: 'start-timer', key: timer.transfer(call.id), ms: (this.settings.ringSeconds + 5) * 1000 });
    saveCall(call, out);
  }

  private newChannelId(callId: CallId): string {
    return `sb-xfer-${callId}-${(this.seq++).toString(36)}`;
  }

  /** Whether this receptionist leg is consulting a contact (announced transfer). */
  isConsulting(offerId: OfferId): boolean {
    const ref = this.state.offers.get(offerId);
    const call = ref && this.state.calls.get(ref.callId);
    return !!call && call.offer?.offerId === offerId && call.transfer?.mode === 'announced';
  }

  // ---- announced (screened) transfer ------------------------------------------------------

  /**
   * The receptionist's leg moves to a consultation bridge and the contact is dialled into it;
   * the caller stays in their bridge with the client's music. The receptionist stays on the call.
   */
  private startConsult(call: LiveCall, receptionistId: ReceptionistId, destination: string, contactCode: string | null, endpoint: string, _now: number, out: Command[]): void {
    if (call.held) {
      call.held = false;
      out.push({ type: 'resume-caller', callId: call.id });
    }
    const channelId = this.newChannelId(call.id);
    call.transfer = { channelId, destination, answered: false, fromReceptionistId: receptionistId, mode: 'announced', contactCode };
    this.state.transferLegs.set(channelId, call.id);
    const ringSeconds = this.settings.announcedRingSeconds ?? DEFAULT_ANNOUNCED_RING_SECONDS;
    out.push({ type: 'consult-start', callId: call.id, offerId: call.offer!.offerId, mohClass: call.client.mohClass });
    out.push({
      type: 'dial-transfer',
      callId: call.id,
      channelId,
      endpoint,
      callerName: call.caller.name,
      callerNumber: call.caller.number,
      timeoutSeconds: ringSeconds,
    });
    // The originate's own timeout ends an unanswered leg; this timer is the backstop.
    out.push({ type: 'start-timer', key: timer.transfer(call.id), ms: ringSeconds * 1000 + 2000 });
    saveCall(call, out);
  }

  logConsult(call: LiveCall, t: TransferState, step: ConsultStep, trigger: ConsultTrigger, now: number, out: Command[]): void {
    out.push({
      type: 'log',
      entry: {
        kind: 'consult',
        callId: call.id,
        at: now,
        receptionistId: t.fromReceptionistId,
        trigger,
        step,
        result: 'done',
        destination: t.destination,
        contactCode: t.contactCode ?? null,
        code: null,
      },
    });
  }

  /** The consultation ends without a transfer: the receptionist is back with the caller. */
  private backToCaller(call: LiveCall, t: TransferState, step: ConsultStep, trigger: ConsultTrigger, notify: boolean, now: number, out: Command[]): void {
    this.state.transferLegs.delete(t.channelId);
    call.transfer = null;
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    const offerId = call.offer?.offerId;
    // In a three-way call the receptionist is in the caller's bridge already.
    if (offerId && !t.threeWay) out.push({ type: 'consult-return', callId: call.id, offerId });
    if (offerId && notify) out.push({ type: 'notify-receptionist', callId: call.id, offerId });
    this.logConsult(call, t, step, trigger, now, out);
    saveCall(call, out);
  }

  /** The consulted contact's leg ended: declined (hung up), or never answered (no answer, busy, unreachable). */
  private consultLegEnded(call: LiveCall, t: TransferState, reason: LegEndReason, now: number, out: Command[]): void {
    if (t.answered) {
      this.backToCaller(call, t, t.threeWay ? 'contact-left' : 'declined', 'contact', false, now, out);
      return;
    }
    const step: ConsultStep = reason === 'hangup' ? 'failed' : reason;
    this.backToCaller(call, t, step, step === 'busy' ? 'contact' : 'system', true, now, out);
  }

  cancelConsult(call: LiveCall, t: TransferState, trigger: FeatureTrigger, now: number, out: Command[]): void {
    out.push({ type: 'hangup-transfer', callId: call.id, channelId: t.channelId });
    this.backToCaller(call, t, 'cancelled', trigger, false, now, out);
  }

  threeWay(call: LiveCall, t: TransferState, trigger: FeatureTrigger, now: number, out: Command[]): void {
    if (t.threeWay) return;
    t.threeWay = true;
    out.push({ type: 'consult-three-way', callId: call.id, offerId: call.offer!.offerId, channelId: t.channelId });
    this.logConsult(call, t, 'three-way', trigger, now, out);
    saveCall(call, out);
  }

  /**
   * Completed: the caller and the contact are bridged and the receptionist is released to
   * wrap-up. From here on the call is exactly a completed blind transfer (either side hanging up
   * ends it; it survives a restart the same way).
   */
  completeConsult(call: LiveCall, t: TransferState, trigger: ConsultTrigger, now: number, out: Command[]): void {
    out.push({ type: 'consult-complete', callId: call.id, channelId: t.channelId });
    this.logConsult(call, t, 'completed', trigger, now, out);
    call.transfer = { channelId: t.channelId, destination: t.destination, answered: true, fromReceptionistId: t.fromReceptionistId };
    call.onHold = false;
    this.core.releaseReceptionist(call, now, out);
    saveCall(call, out);
  }

  /**
   * The receptionist hung up while consulting. With the contact on the line that completes the
   * transfer (as Asterisk's attended transfer does); while the contact still rings, the contact's
   * leg ends and the caller goes to the front of the line (never dropped).
   */
  receptionistLeftConsult(call: LiveCall, t: TransferState, now: number, out: Command[]): void {
    // The leg is gone already: nothing to hang up.
    call.offer = null;
    if (t.answered) {
      this.completeConsult(call, t, 'receptionist-hangup', now, out);
      return;
    }
    out.push({ type: 'hangup-transfer', callId: call.id, channelId: t.channelId });
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    this.state.transferLegs.delete(t.channelId);
    call.transfer = null;
    this.logConsult(call, t, 'receptionist-left', 'receptionist-hangup', now, out);
    const receptionistId = call.receptionistId;
    call.receptionistId = null;
    call.onHold = true; // the caller hears the music of the consultation already
    call.phase = 'waiting';
    call.returning = true;
    const r = receptionistId ? this.state.receptionists.get(receptionistId) : undefined;
    if (r && r.presence.kind === 'on-call' && r.presence.callId === call.id) this.core.enterWrapUp(r, call.id, now, out);
    if (!this.core.anyoneLoggedIn()) this.core.overflow(call, 'nobody-logged-in', now, out);
    else this.core.enqueue(call, now, out);
    saveCall(call, out);
  }

  // ---- the outbound leg ---------------------------------------------------------------------

  answered(channelId: string, now: number, out: Command[]): void {
    const callId = this.state.transferLegs.get(channelId);
    const call = callId ? this.state.calls.get(callId) : undefined;
    const t = call?.transfer;
    if (!call || !t || t.channelId !== channelId || t.answered) {
      out.push({ type: 'hangup-transfer', callId: callId ?? '', channelId }); // nobody is there for them
      return;
    }
    t.answered = true;
    out.push({ type: 'cancel-timer', key: timer.transfer(call.id) });
    if (t.mode === 'announced') {
      // The receptionist announces the caller; the caller keeps hearing music.
      out.push({ type: 'consult-connect', callId: call.id, channelId });
      this.logConsult(call, t, 'answered', 'contact', now, out);
      saveCall(call, out);
      return;
    }
    call.onHold = false;
    out.push({ type: 'connect-transfer', callId: call.id, channelId });
    out.push({ type: 'log', entry: { kind: 'transfer-ended', callId: call.id, at: now, destination: t.destination, outcome: 'answered', next: 'connected' } });
    saveCall(call, out);
  }

  ended(channelId: string, reason: LegEndReason, now: number, out: Command[]): void {
    const callId = this.state.transferLegs.get(channelId);
    if (!callId) return;
    this.state.transferLegs.delete(channelId);
    const call = this.state.calls.get(callId);
    const t = call?.transfer;
    if (!call || !t || t.channelId !== channelId) return;
    if (t.mode === 'announced') {
      this.consultLegEnded(call, t, reason, now, out);
      return;
    }
    if (t.answered) {
      // The destination hung up after talking with the caller: the call is over.
      call.transfer = null;
      out.push({ type: 'hangup-caller', callId });
      this.core.endCall(call, 'completed', 'system', now, out);
      return;
    }
    out.push({ type: 'cancel-timer', key: timer.transfer(callId) });
    this.failed(call, t, reason === 'hangup' ? 'failed' : reason, now, out);
  }

  /** The `xfer` timer: the destination (or the consulted contact) never answered. */
  ringTimedOut(callId: CallId, now: number, out: Command[]): void {
    const call = this.state.calls.get(callId);
    const t = call?.transfer;
    if (!call || !t || t.answered) return;
    out.push({ type: 'hangup-transfer', callId, channelId: t.channelId });
    if (t.mode === 'announced') this.consultLegEnded(call, t, 'no-answer', now, out);
    else this.failed(call, t, 'no-answer', now, out);
  }

  /**
   * The destination did not answer (busy, no answer, unreachable): the caller is never dropped.
   * Back to the receptionist who transferred them if they are still free, else to the front of
   * the line.
   */
  private failed(call: LiveCall, t: TransferState, outcome: 'busy' | 'no-answer' | 'unreachable' | 'failed', now: number, out: Command[]): void {
    this.state.transferLegs.delete(t.channelId);
    call.transfer = null;
    const free = isFreeFor(this.state.receptionists.get(t.fromReceptionistId), call);
    out.push({
      type: 'log',
      entry: { kind: 'transfer-ended', callId: call.id, at: now, destination: t.destination, outcome, next: free ? 'back-to-receptionist' : 'queue' },
    });
    this.core.comeBack(call, t.fromReceptionistId, now, out);
  }
}
