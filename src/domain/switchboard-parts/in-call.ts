import { requestForLog, type ClientTransferRules, type TransferRequest } from '../destinations';
import type { Command, ConsultStep, FeatureTrigger } from '../messages';
import type { CallId, ReceptionistId } from '../model';
import type { Parking } from './park';
import type { QueueCore } from './queue-core';
import { saveCall, type LiveCall, type SwitchboardState } from './state';
import type { Transfers } from './transfers';

/** An in-call operation, the same whether a feature code or the API asked for it. */
export type FeatureOp =
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'hold-toggle' }
  | { kind: 'voicemail' }
  | { kind: 'hangup' }
  | { kind: 'park' }
  | { kind: 'blind-transfer'; request: TransferRequest | { keyed: string }; rules: ClientTransferRules }
  /** Announced (screened): the receptionist consults the contact first; the caller hears music. */
  | { kind: 'announced-transfer'; request: TransferRequest | { keyed: string }; rules: ClientTransferRules }
  /** While consulting: the caller and the contact are bridged, the receptionist is released. */
  | { kind: 'transfer-complete' }
  /** While consulting: the contact's leg ends, the receptionist is back with the caller. */
  | { kind: 'transfer-cancel' }
  /** While consulting: all three in the caller's bridge. */
  | { kind: 'transfer-three-way' };

export interface FeatureRequest {
  callId: CallId;
  receptionistId: ReceptionistId;
  trigger: FeatureTrigger;
  op: FeatureOp;
}

export type FeatureRefusal =
  | 'no-such-call'
  | 'not-your-call'
  | 'not-connected'
  | 'transfer-in-progress'
  | 'not-on-hold'
  | 'no-voicemail'
  | 'no-free-slot'
  | 'invalid-destination'
  | 'destination-not-allowed'
  | 'no-such-contact'
  | 'contact-unavailable'
  | 'screening-required'
  /** Complete, cancel or three-way with no announced transfer being consulted. */
  | 'no-transfer-in-progress'
  /** Complete or three-way while the contact has not answered yet. */
  | 'contact-not-answered';

export type FeatureResult =
  | { ok: true; commands: Command[] }
  | { ok: false; code: FeatureRefusal; message: string; voicemailOffered?: boolean; commands: Command[] };

type InCallCore = Pick<QueueCore, 'endCall' | 'releaseReceptionist' | 'dispatch'>;

/**
 * In-call operations asked by the receptionist on the call, from their phone (feature codes) or
 * the API: hold, resume, hangup, voicemail, park and transfers, under the same rules either way.
 */
export class InCallOperations {
  constructor(
    private readonly state: SwitchboardState,
    private readonly core: InCallCore,
    private readonly transfers: Transfers,
    private readonly parking: Parking,
  ) {}

  /**
   * Every transfer attempt, made or refused, goes to the timeline with who asked for it; so does
   * every refused operation.
   */
  perform(req: FeatureRequest, now: number): FeatureResult {
    const out: Command[] = [];
    const call = this.state.calls.get(req.callId);
    if (!call || call.callback) return { ok: false, code: 'no-such-call', message: 'No live call with that id.', commands: out };
    const mine = call.phase === 'connected' && call.receptionistId === req.receptionistId && call.offer?.receptionistId === req.receptionistId;
    const refuse = (code: FeatureRefusal, message: string, extra: { voicemailOffered?: boolean } = {}): FeatureResult => {
      this.logRefusal(call, req, code, now, out);
      return { ok: false, code, message, ...extra, commands: out };
    };
    if (!mine) {
      const theirs = call.receptionistId ?? call.offer?.receptionistId ?? null;
      if (theirs !== null && theirs !== req.receptionistId) return refuse('not-your-call', 'This call is not connected to that receptionist.');
      return refuse('not-connected', 'The call is not connected to a receptionist.');
    }
    const consultOp = req.op.kind === 'transfer-complete' || req.op.kind === 'transfer-cancel' || req.op.kind === 'transfer-three-way';
    if (consultOp) {
      const t = call.transfer;
      if (!t || t.mode !== 'announced') return refuse('no-transfer-in-progress', 'No announced transfer is being consulted on this call.');
      if (req.op.kind !== 'transfer-cancel' && !t.answered) return refuse('contact-not-answered', 'The contact has not answered yet.');
      if (req.op.kind === 'transfer-complete') this.transfers.completeConsult(call, t, req.trigger, now, out);
      else if (req.op.kind === 'transfer-cancel') this.transfers.cancelConsult(call, t, req.trigger, now, out);
      else this.transfers.threeWay(call, t, req.trigger, now, out);
      this.core.dispatch(now, out);
      return { ok: true, commands: out };
    }
    if (call.transfer) return refuse('transfer-in-progress', 'The call is being transferred.');
    const op = req.op.kind === 'hold-toggle' ? { kind: call.held ? ('resume' as const) : ('hold' as const) } : req.op;
    switch (op.kind) {
      case 'hold':
        if (!call.held) {
          call.held = true;
          out.push({ type: 'hold-caller-aside', callId: call.id, mohClass: call.client.mohClass });
          saveCall(call, out);
        }
        this.logDone(call, req, 'hold', now, out);
        break;
      case 'resume':
        if (!call.held) return refuse('not-on-hold', 'The caller is not on hold.');
        call.held = false;
        out.push({ type: 'resume-caller', callId: call.id });
        saveCall(call, out);
        this.logDone(call, req, 'resume', now, out);
        break;
      case 'hangup':
        this.logDone(call, req, 'hangup', now, out);
        out.push({ type: 'hangup-caller', callId: call.id });
        out.push({ type: 'hangup-leg', callId: call.id, offerId: call.offer!.offerId });
        this.core.endCall(call, 'completed', 'receptionist', now, out);
        break;
      case 'park': {
        const slot = this.parking.freeSlot();
        if (!slot) return refuse('no-free-slot', 'Every park slot is taken.');
        this.parking.park(call, slot, req.receptionistId, req.trigger, now, out);
        break;
      }
      case 'voicemail': {
        const treatment = call.client.overflow;
        if (treatment.kind !== 'voicemail') return refuse('no-voicemail', 'This client takes no voicemail.');
        this.logDone(call, req, 'voicemail', now, out);
        this.core.releaseReceptionist(call, now, out);
        call.held = false;
        call.phase = 'overflow';
        out.push({ type: 'unbridge-caller', callId: call.id });
        out.push({ type: 'overflow', callId: call.id, treatment });
        saveCall(call, out);
        break;
      }
      case 'blind-transfer':
      case 'announced-transfer': {
        const mode = op.kind === 'blind-transfer' ? 'blind' : 'announced';
        // A refused transfer is on the timeline already (as a `transfer` entry).
        const refused = this.transfers.start(call, req.receptionistId, req.trigger, mode, op.request, op.rules, now, out);
        if (refused) return { ok: false, ...refused, commands: out };
        break;
      }
      case 'transfer-complete':
      case 'transfer-cancel':
      case 'transfer-three-way':
        break; // handled above
    }
    this.core.dispatch(now, out);
    return { ok: true, commands: out };
  }

  private logDone(call: LiveCall, req: FeatureRequest, action: 'hold' | 'resume' | 'voicemail' | 'hangup', now: number, out: Command[]): void {
    out.push({ type: 'log', entry: { kind: 'feature', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, action, result: 'done', code: null } });
  }

  private logRefusal(call: LiveCall, req: FeatureRequest, code: FeatureRefusal, now: number, out: Command[]): void {
    const op = req.op;
    if (op.kind === 'transfer-complete' || op.kind === 'transfer-cancel' || op.kind === 'transfer-three-way') {
      const step: ConsultStep = op.kind === 'transfer-complete' ? 'completed' : op.kind === 'transfer-cancel' ? 'cancelled' : 'three-way';
      const t = call.transfer?.mode === 'announced' ? call.transfer : null;
      out.push({
        type: 'log',
        entry: {
          kind: 'consult',
          callId: call.id,
          at: now,
          receptionistId: req.receptionistId,
          trigger: req.trigger,
          step,
          result: 'refused',
          destination: t?.destination ?? null,
          contactCode: t?.contactCode ?? null,
          code,
        },
      });
      return;
    }
    if (op.kind === 'blind-transfer' || op.kind === 'announced-transfer') {
      out.push({
        type: 'log',
        entry: {
          kind: 'transfer',
          callId: call.id,
          at: now,
          receptionistId: req.receptionistId,
          trigger: req.trigger,
          mode: op.kind === 'blind-transfer' ? 'blind' : 'announced',
          requested: requestForLog(op.request),
          destination: null,
          contactCode: null,
          result: 'refused',
          code,
        },
      });
      return;
    }
    const action = op.kind === 'hold-toggle' ? (call.held ? 'resume' : 'hold') : op.kind;
    out.push({ type: 'log', entry: { kind: 'feature', callId: call.id, at: now, receptionistId: req.receptionistId, trigger: req.trigger, action, result: 'refused', code } });
  }
}
