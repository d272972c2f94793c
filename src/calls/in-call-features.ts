import type { Command } from '../domain/messages';
import type { FeatureAction, FeatureCodeSettings, InvalidReason } from '../domain/feature-codes';
import type { TransferRequest } from '../domain/destinations';
import type { FeatureOp, FeatureRefusal, ParkSettings, Switchboard, TransferSettings } from '../domain/switchboard';
import type { Clock, Timers } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { CallTimeline } from './call-timeline';
import { FeatureFlow } from './feature-flow';

export interface FeatureSettings {
  codes: FeatureCodeSettings;
  /** What the receptionist alone hears for an invalid or refused code. */
  errorMedia: string[];
  transfers: TransferSettings;
  park: ParkSettings;
}

/** An in-call operation asked through the API. */
export type ApiFeatureOp =
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'voicemail' }
  | { kind: 'hangup' }
  | { kind: 'park' }
  | { kind: 'blind-transfer'; to: TransferRequest }
  | { kind: 'announced-transfer'; to: TransferRequest }
  | { kind: 'transfer-complete' }
  | { kind: 'transfer-cancel' }
  | { kind: 'transfer-three-way' };

export type ApiFeatureResult = { ok: true } | { ok: false; code: FeatureRefusal; message: string; voicemailOffered?: boolean };

export interface InCallFeaturesDeps {
  settings: FeatureSettings;
  timers: Timers;
  clock: Clock;
  directory: Directory;
  timeline: CallTimeline;
  /** The live switchboard (a resync replaces it). */
  calls: () => Pick<Switchboard, 'feature' | 'clientOf' | 'connectedCallOfLeg' | 'isConsulting'>;
  /** Runs work on the call service's serial executor. */
  serial: <T>(work: () => T | Promise<T>) => Promise<T>;
  apply: (commands: Command[]) => void;
  /** The receptionist alone hears that a code was invalid or refused. */
  errorTone: (offerId: string) => void;
}

/**
 * A receptionist's operations on the call in hand (hold, park, transfers, voicemail, hang-up):
 * keyed as feature codes on their leg, or asked through the API. Both run the same domain
 * operation, which the switchboard re-checks on the serial executor.
 */
export class InCallFeatures {
  private readonly codes: FeatureFlow;

  constructor(private readonly deps: InCallFeaturesDeps) {
    this.codes = new FeatureFlow({
      settings: deps.settings.codes,
      timers: deps.timers,
      now: () => deps.clock.now(),
      serial: (work) => void deps.serial(work),
      action: (offerId, action) => this.phoneFeature(offerId, action),
      invalid: (offerId, reason) => this.invalidCode(offerId, reason),
      context: (offerId) => (deps.calls().isConsulting(offerId) ? 'consult' : 'call'),
    });
  }

  /**
   * An operation asked through the API by the receptionist on the call. The client's transfer
   * rules are read first, then the switchboard re-checks the call on the serial executor.
   */
  async apiFeature(callId: string, receptionistId: string, op: ApiFeatureOp): Promise<ApiFeatureResult> {
    let domainOp: FeatureOp;
    if (op.kind === 'blind-transfer' || op.kind === 'announced-transfer') {
      const client = this.deps.calls().clientOf(callId);
      if (!client) return { ok: false, code: 'no-such-call', message: 'No live call with that id.' };
      domainOp = { kind: op.kind, request: op.to, rules: await this.transferRules(client.id, callId) };
    } else domainOp = op;
    return this.deps.serial(() => {
      const result = this.deps.calls().feature({ callId, receptionistId, trigger: 'api', op: domainOp }, this.deps.clock.now());
      this.deps.apply(result.commands);
      return result.ok ? { ok: true as const } : { ok: false as const, code: result.code, message: result.message, ...(result.voicemailOffered ? { voicemailOffered: true } : {}) };
    });
  }

  /** A digit on a receptionist's leg (inside the executor). */
  digit(offerId: string, digit: string): void {
    // Only a receptionist's leg of a connected call reads feature codes; caller digits never do.
    if (this.deps.calls().connectedCallOfLeg(offerId)) this.codes.digit(offerId, digit);
  }

  /** The leg ended: its code reader goes. */
  forget(offerId: string): void {
    this.codes.forget(offerId);
  }

  /** After a resync every timer was cancelled: unfinished codes are dropped. */
  reset(): void {
    this.codes.reset();
  }

  /** Rules that cannot be read allow nothing but internal extensions. */
  private async transferRules(clientId: string, callId: string) {
    return this.deps.directory.transferRules(clientId).catch((err) => {
      this.deps.timeline.callLogger(callId).warn({ err: (err as Error).message }, 'transfer rules could not be read; only extensions allowed');
      return { contacts: [], allow: [] };
    });
  }

  /** A complete feature code on a receptionist's leg (runs on the serial executor). */
  private phoneFeature(offerId: string, action: FeatureAction): void {
    const leg = this.deps.calls().connectedCallOfLeg(offerId);
    if (!leg) return;
    let op: FeatureOp;
    switch (action.kind) {
      case 'blind-transfer':
      case 'attended-transfer': {
        const kind = action.kind === 'blind-transfer' ? ('blind-transfer' as const) : ('announced-transfer' as const);
        void this.transferRules(leg.clientId, leg.callId).then((rules) =>
          this.deps.serial(() => this.runPhoneFeature(offerId, leg, { kind, request: { keyed: action.target }, rules })),
        );
        return;
      }
      case 'transfer-abort':
        op = { kind: 'transfer-cancel' };
        break;
      case 'transfer-complete':
        op = { kind: 'transfer-complete' };
        break;
      case 'transfer-three-way':
        op = { kind: 'transfer-three-way' };
        break;
      case 'park':
        op = { kind: 'park' };
        break;
      case 'disconnect':
        op = { kind: 'hangup' };
        break;
      case 'hold-toggle':
        op = { kind: 'hold-toggle' };
        break;
      case 'voicemail':
        op = { kind: 'voicemail' };
        break;
    }
    this.runPhoneFeature(offerId, leg, op);
  }

  private runPhoneFeature(offerId: string, leg: { callId: string; receptionistId: string }, op: FeatureOp): void {
    const result = this.deps.calls().feature({ callId: leg.callId, receptionistId: leg.receptionistId, trigger: 'phone', op }, this.deps.clock.now());
    this.deps.apply(result.commands);
    if (!result.ok) {
      this.deps.timeline.callLogger(leg.callId).info({ code: result.code, op: op.kind }, 'feature code refused');
      if (this.deps.calls().connectedCallOfLeg(offerId)) this.deps.errorTone(offerId);
    }
  }

  private invalidCode(offerId: string, reason: InvalidReason): void {
    const leg = this.deps.calls().connectedCallOfLeg(offerId);
    if (!leg) return;
    this.deps.timeline.callLogger(leg.callId).info({ reason }, 'invalid feature code');
    this.deps.errorTone(offerId);
  }
}
