import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { promptDigit, promptTimeout, startPrompt, type PromptAction, type PromptRules, type PromptState } from '../domain/callback-prompt';
import type { CallbackPolicy, CallbackTicket } from '../domain/callbacks';
import type { CallbackEvent, Command, LegEndReason } from '../domain/messages';
import type { ClientProfile } from '../domain/model';
import type { CallbackStore } from '../ports/callbacks';
import { PbxError, type CallControl } from '../ports/call-control';
import type { Timers } from '../ports/clock';
import type { CallMedia } from './call-media';
import { LegOutcomes } from './stasis';

/** Callback settings (src/config.ts, docs/callbacks.md). */
export interface CallbackSettings {
  store: CallbackStore;
  prompt: PromptRules;
  policy: CallbackPolicy;
  /** ARI dial string of the outbound leg; `{number}` is replaced by the number to call. */
  dialTemplate: string;
}

export interface CallbackFlowDeps {
  settings: CallbackSettings;
  pbx: CallControl;
  media: CallMedia;
  timers: Timers;
  logger: Logger;
  now: () => number;
  /** Runs work on the call service's serial executor. */
  serial: (work: () => void | Promise<void>) => void;
  /** Hands a callback event to the switchboard (inside the executor) and applies its commands. */
  handle: (event: CallbackEvent) => void;
  /** Is this call still waiting (or being offered)? And with which client and caller. */
  waitingCall: (callId: string) => { client: ClientProfile; did: string; callerName: string } | null;
  hasCallback: (id: string) => boolean;
}

export function newCallbackId(): string {
  return `cb${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

/**
 * The I/O around callbacks: the caller's prompt (digits and timeouts into the pure state machine
 * of domain/callback-prompt.ts), the outbound leg of each attempt through the outbox, and the
 * outbound leg's PBX events back into the switchboard.
 */
export class CallbackFlow {
  private readonly prompts = new Map<string, PromptState>();
  private readonly legs = new LegOutcomes();

  constructor(private readonly deps: CallbackFlowDeps) {}

  get settings(): CallbackSettings {
    return this.deps.settings;
  }

  /** Commands from the switchboard that concern callbacks; false when not one of them. */
  apply(c: Command): boolean {
    switch (c.type) {
      case 'offer-callback':
        this.offer(c.callId, c.callerNumber);
        return true;
      case 'hold-receptionist':
        this.deps.media.holdReceptionist(c.callId, c.offerId, c.mohClass);
        return true;
      case 'dial-callback':
        void this.dial(c);
        return true;
      case 'connect-callee':
        this.deps.media.connectCallee(c.callId, c.channelId);
        return true;
      case 'hangup-callee':
        this.deps.pbx.hangup(c.channelId).catch((err) => {
          if (!(err instanceof PbxError && err.notFound)) this.deps.logger.warn({ channelId: c.channelId, err: (err as Error).message }, 'hangup failed');
        });
        return true;
      case 'callback-update':
        this.deps.settings.store.save(c.ticket, c.status, c.dueAt, c.ticket.originalCallId ? 'caller' : 'api');
        if (c.attempt) this.deps.settings.store.saveAttemptOutcome(c.ticket.id, c.attempt.n, c.attempt.receptionistId, c.attempt.outcome);
        return true;
      case 'connect':
      case 'drop-call':
        this.stopPrompt(c.callId); // served or gone: the offer is over
        return false;
      default:
        return false;
    }
  }

  /** Forgets every prompt (on a resync: timers were cancelled). */
  reset(): void {
    this.prompts.clear();
  }

  // ---- the caller's prompt --------------------------------------------------------------

  private offer(callId: string, callerNumber: string): void {
    const step = startPrompt(callerNumber, this.deps.settings.prompt);
    this.prompts.set(callId, step.state);
    this.run(callId, step.actions);
  }

  digit(callId: string, digit: string): void {
    const state = this.prompts.get(callId);
    if (!state) return;
    const step = promptDigit(state, digit, this.deps.settings.prompt);
    this.prompts.set(callId, step.state);
    this.run(callId, step.actions);
  }

  private timeout(callId: string): void {
    const state = this.prompts.get(callId);
    if (!state) return;
    const step = promptTimeout(state);
    this.prompts.set(callId, step.state);
    this.run(callId, step.actions);
  }

  private stopPrompt(callId: string): void {
    if (!this.prompts.delete(callId)) return;
    this.deps.timers.cancel(`cbprompt|${callId}`);
  }

  private run(callId: string, actions: PromptAction[]): void {
    const key = `cbprompt|${callId}`;
    for (const a of actions) {
      switch (a.kind) {
        case 'play':
          if (this.prompts.get(callId)?.step !== 'accepted') this.deps.media.play(callId, a.media);
          break;
        case 'start-timeout':
          this.deps.timers.start(key, a.ms, () => this.deps.serial(() => this.timeout(callId)));
          break;
        case 'cancel-timeout':
          this.deps.timers.cancel(key);
          break;
        case 'accept':
          void this.accept(callId, a.number);
          break;
      }
    }
  }

  /** The caller chose a number: they become a callback with their place, hear a goodbye, and are hung up. */
  private async accept(callId: string, number: string): Promise<void> {
    const call = this.deps.waitingCall(callId);
    if (!call) return;
    const { store } = this.deps.settings;
    const id = newCallbackId();
    let schedule;
    try {
      schedule = await store.schedule(call.client.id, this.deps.now());
    } catch (err) {
      this.deps.logger.warn({ callId, err: (err as Error).message }, 'could not read business hours; the callback is treated as always open');
      schedule = { timeZone: 'UTC', hours: [], closures: [] };
    }
    const ticket: CallbackTicket = {
      id,
      clientId: call.client.id,
      number,
      name: call.callerName,
      note: '',
      did: call.did,
      attempts: 0,
      enqueuedAt: 0, // the switchboard gives it the caller's place
      priorityTier: call.client.priorityTier,
      originalWaitMs: 0,
      originalCallId: callId,
      schedule,
    };
    this.deps.serial(() => {
      this.deps.handle({ type: 'callback-requested', callId, ticket });
      if (!this.deps.hasCallback(id)) return; // answered meanwhile, or gone
      void this.deps.media.playThenHangup(callId, [this.deps.settings.prompt.media.accepted]);
    });
  }

  // ---- the outbound leg -----------------------------------------------------------------

  private async dial(c: Extract<Command, { type: 'dial-callback' }>): Promise<void> {
    const { store } = this.deps.settings;
    const log = this.deps.logger.child({ callId: c.callId, callbackId: c.callbackId, receptionistId: c.receptionistId });
    let fresh: boolean;
    try {
      fresh = await store.beginAttempt(c.callbackId, c.attempt, c.channelId, c.receptionistId);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not write the attempt outbox row; not dialling');
      this.ended(c.channelId, 'failed');
      return;
    }
    if (!fresh) {
      // The outbox says this attempt was sent already: one outbound call per attempt, never two.
      log.warn({ attempt: c.attempt }, 'callback attempt already sent; not dialling it again');
      this.ended(c.channelId, 'failed');
      return;
    }
    try {
      await this.deps.pbx.originate({
        channelId: c.channelId,
        endpoint: this.deps.settings.dialTemplate.split('{number}').join(c.number),
        appArgs: `callback,${c.callbackId},${c.attempt}`,
        callerName: c.clientName,
        callerNumber: c.did,
        timeoutSeconds: c.timeoutSeconds,
      });
    } catch (err) {
      if (err instanceof PbxError && err.status === 409) {
        // A channel with this id exists: the originate was taken before (a retried request).
        log.warn({ attempt: c.attempt }, 'callback leg exists already; not dialling again');
      } else {
        log.warn({ attempt: c.attempt, err: (err as Error).message }, 'callback originate failed');
        this.ended(c.channelId, 'unreachable');
        return;
      }
    }
    await store.markAttemptSent(c.callbackId, c.attempt).catch((err) => log.warn({ err: (err as Error).message }, 'could not mark the attempt sent'));
  }

  private ended(channelId: string, reason: LegEndReason): void {
    this.deps.serial(() => this.deps.handle({ type: 'callee-ended', channelId, reason }));
  }

  // ---- the outbound leg's PBX events (called inside the executor) -----------------------

  calleeAnswered(channelId: string): void {
    this.legs.answered(channelId);
    this.deps.handle({ type: 'callee-answered', channelId });
  }

  calleeDialStatus(channelId: string, status: string): void {
    this.legs.dialled(channelId, status);
  }

  calleeDestroyed(channelId: string, cause: number): void {
    this.deps.handle({ type: 'callee-ended', channelId, reason: this.legs.destroyed(channelId, cause) });
  }

  calleeLeft(channelId: string): void {
    this.deps.handle({ type: 'callee-ended', channelId, reason: 'hangup' });
  }
}
