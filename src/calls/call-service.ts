import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import type { AriEvent } from '../adapters/ari/ari-connection';
import type { CallbackEvent, CallSnapshot, Command, PresenceRequest, SwitchboardEvent, TimelineEntry } from '../domain/messages';
import { callbackCallId, parseCallbackChannelId, planRetry, type CallbackTicket } from '../domain/callbacks';
import type { ClientProfile } from '../domain/model';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import {
  Switchboard,
  type CancelResult,
  type ConnectedCallback,
  type FeatureOp,
  type FeatureRefusal,
  type FeatureResult,
  type ParkSettings,
  type PresenceResult,
  type RetrieveResult,
  type TransferSettings,
} from '../domain/switchboard';
import type { FeatureAction, FeatureCodeSettings, InvalidReason } from '../domain/feature-codes';
import type { TransferRequest } from '../domain/destinations';
import type { CallAnalytics } from '../ports/analytics';
import type { CallLog } from '../ports/call-log';
import type { CallControl, PbxBridge, PbxChannel } from '../ports/call-control';
import { PbxError } from '../ports/call-control';
import type { Clock, Timers } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { LiveStateStore } from '../ports/live-state';
import { noCallMetrics, type CallMetrics, type RoutingTrigger } from '../ports/metrics';
import type { Notifier } from '../ports/notifier';
import type { EndpointReachability } from '../ports/pbx-admin';
import { CallMedia } from './call-media';
import { CallbackFlow, type CallbackSettings } from './callback-flow';
import { FeatureFlow } from './feature-flow';
import { callBridgeId, callIdOfBridge, cleanCallerText, cleanDid, newOfferChannelId } from './channel-ids';
import { reconcile, type KeptCallback } from './reconcile';
import { endpointOfChannelName, PHONE_CODE_DONE_MEDIA, PHONE_CODE_REFUSED_MEDIA, phoneCodeRequest } from './phone-codes';
import { parseStasisArgs } from '../dialplan-check/stasis-forms';
import { legEndReason, readStasisEvent, type StasisFact } from './stasis';

/** A receptionist as the API shows them: their state, and why their phone cannot be rung. */
export interface ReceptionistView extends ReceptionistSnapshot {
  unreachableReason: string | null;
}

export interface CallServiceDeps {
  app: string;
  pbx: CallControl;
  directory: Directory;
  liveState: LiveStateStore;
  callLog: CallLog;
  notifier: Notifier;
  timers: Timers;
  clock: Clock;
  logger: Logger;
  /** Who answers for a number no client owns: a safe company-wide default. */
  defaultClient: ClientProfile;
  metrics?: CallMetrics;
  /** Callbacks (docs/callbacks.md); without them no callback is offered or dialled. */
  callbacks?: CallbackSettings;
  /** Presence history and queue_log, fed behind the call path (never blocks, never throws). */
  analytics?: CallAnalytics;
  /** Receptionist feature codes and transfers (README "Feature codes"); without them digits from receptionists are ignored. */
  features?: FeatureSettings;
}

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

/**
 * The use cases of the core call path. Everything that touches the switchboard runs through
 * one serial executor, so each event sees the state the previous one left; PBX requests are
 * sent without waiting on each other, and their failures come back as events.
 */
export class CallService {
  private switchboard: Switchboard;
  private readonly media: CallMedia;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly dialStatus = new Map<string, string>();
  private readonly answeredOffers = new Set<string>();
  private resyncedOnce = false;
  private queueNoticeTimer: NodeJS.Timeout | null = null;
  private offerSeq = 0;
  private readonly instanceTag = randomBytes(3).toString('hex');
  private readonly metrics: CallMetrics;
  /** The ARI event being handled now and when it reached us, for the routing-latency metric. */
  private decision: { trigger: RoutingTrigger; receivedAt: number } | null = null;
  private readonly callLoggers = new Map<string, { receptionistId: string | null; logger: Logger }>();
  /** Why a receptionist's phone is unreachable, as the PBX last said (AMI or ARI endpoint state). */
  private readonly unreachableBecause = new Map<string, string>();

  private readonly flow: CallbackFlow | null;
  private readonly features: FeatureFlow | null;
  private readonly transferDialStatus = new Map<string, string>();
  private readonly answeredTransfers = new Set<string>();

  constructor(private readonly deps: CallServiceDeps) {
    this.switchboard = this.newSwitchboard();
    this.media = new CallMedia(deps.pbx, deps.logger);
    this.metrics = deps.metrics ?? noCallMetrics;
    this.flow = deps.callbacks
      ? new CallbackFlow({
          settings: deps.callbacks,
          pbx: deps.pbx,
          media: this.media,
          timers: deps.timers,
          logger: deps.logger,
          now: () => deps.clock.now(),
          serial: (work) => void this.serial(work),
          handle: (event) => this.handleCallback(event),
          waitingCall: (callId) => {
            const call = this.switchboard.listCalls().find((c) => c.id === callId);
            const client = this.switchboard.clientOf(callId);
            if (!call || !client || (call.phase !== 'waiting' && call.phase !== 'offering')) return null;
            return { client, did: call.did, callerName: call.caller.name };
          },
          hasCallback: (id) => this.switchboard.hasCallback(id),
        })
      : null;
    const features = deps.features;
    this.features = features
      ? new FeatureFlow({
          settings: features.codes,
          timers: deps.timers,
          now: () => deps.clock.now(),
          serial: (work) => void this.serial(work),
          action: (offerId, action) => this.phoneFeature(offerId, action),
          invalid: (offerId, reason) => this.invalidCode(offerId, reason),
          context: (offerId) => (this.switchboard.isConsulting(offerId) ? 'consult' : 'call'),
        })
      : null;
  }

  // ---- in-call operations: feature codes and the API --------------------------------------

  /**
   * An operation asked through the API by the receptionist on the call: the same domain
   * operation a feature code runs. The client's transfer rules are read first, then the
   * switchboard re-checks the call on the serial executor.
   */
  async callFeature(callId: string, receptionistId: string, op: ApiFeatureOp): Promise<ApiFeatureResult> {
    if (!this.deps.features) return { ok: false, code: 'no-such-call', message: 'Feature operations are not enabled.' };
    let domainOp: FeatureOp;
    if (op.kind === 'blind-transfer' || op.kind === 'announced-transfer') {
      const client = this.switchboard.clientOf(callId);
      if (!client) return { ok: false, code: 'no-such-call', message: 'No live call with that id.' };
      domainOp = { kind: op.kind, request: op.to, rules: await this.transferRules(client.id, callId) };
    } else domainOp = op;
    return this.serial(() => {
      const result = this.switchboard.feature({ callId, receptionistId, trigger: 'api', op: domainOp }, this.deps.clock.now());
      this.apply(result.commands);
      return result.ok ? { ok: true as const } : { ok: false as const, code: result.code, message: result.message, ...(result.voicemailOffered ? { voicemailOffered: true } : {}) };
    });
  }

  /** A receptionist takes a parked call back (their phone rings for it). */
  retrieveParked(slot: string, receptionistId: string): Promise<RetrieveResult> {
    return this.serial(() => {
      const result = this.switchboard.retrieveParked(slot, receptionistId, this.deps.clock.now());
      if (result.ok) this.apply(result.commands);
      return result;
    });
  }

  parked() {
    return this.switchboard.parked();
  }

  /** Rules that cannot be read allow nothing but internal extensions. */
  private async transferRules(clientId: string, callId: string) {
    return this.deps.directory.transferRules(clientId).catch((err) => {
      this.callLogger(callId).warn({ err: (err as Error).message }, 'transfer rules could not be read; only extensions allowed');
      return { contacts: [], allow: [] };
    });
  }

  /** A complete feature code on a receptionist's leg (runs on the serial executor). */
  private phoneFeature(offerId: string, action: FeatureAction): void {
    const leg = this.switchboard.connectedCallOfLeg(offerId);
    if (!leg) return;
    let op: FeatureOp;
    switch (action.kind) {
      case 'blind-transfer':
      case 'attended-transfer': {
        const kind = action.kind === 'blind-transfer' ? ('blind-transfer' as const) : ('announced-transfer' as const);
        void this.transferRules(leg.clientId, leg.callId).then((rules) =>
          this.serial(() => this.runPhoneFeature(offerId, leg, { kind, request: { keyed: action.target }, rules })),
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
    const result: FeatureResult = this.switchboard.feature({ callId: leg.callId, receptionistId: leg.receptionistId, trigger: 'phone', op }, this.deps.clock.now());
    this.apply(result.commands);
    if (!result.ok) {
      this.callLogger(leg.callId).info({ code: result.code, op: op.kind }, 'feature code refused');
      if (this.switchboard.connectedCallOfLeg(offerId)) this.errorTone(offerId);
    }
  }

  private invalidCode(offerId: string, reason: InvalidReason): void {
    const leg = this.switchboard.connectedCallOfLeg(offerId);
    if (!leg) return;
    this.callLogger(leg.callId).info({ reason }, 'invalid feature code');
    this.errorTone(offerId);
  }

  private errorTone(offerId: string): void {
    if (this.deps.features) this.media.playToLeg(offerId, this.deps.features.errorMedia);
  }

  // ---- callbacks --------------------------------------------------------------------------

  /** A callback scheduled through the API enters the queue at `dueAt` (within business hours). */
  scheduleCallback(ticket: CallbackTicket, client: ClientProfile, dueAt: number): Promise<void> {
    return this.serial(() => this.handleCallback({ type: 'callback-scheduled', ticket, client, dueAt }));
  }

  cancelCallback(id: string): Promise<CancelResult> {
    return this.serial(() => {
      const result = this.switchboard.cancelCallback(id, this.deps.clock.now());
      if (result.ok) this.apply(result.commands);
      return result;
    });
  }

  private handleCallback(event: CallbackEvent): void {
    this.apply(this.switchboard.handleCallback(event, this.deps.clock.now()));
  }

  // ---- inputs -----------------------------------------------------------------------------

  onAriEvent(event: AriEvent): void {
    const fact = readStasisEvent(event);
    if (fact.kind === 'ignored') return;
    const receivedAt = performance.now();
    void this.serial(async () => {
      this.decision = { trigger: fact.kind === 'caller-entered' ? 'arrival' : 'dispatch', receivedAt };
      try {
        await this.onFact(fact);
      } finally {
        this.decision = null;
      }
    });
  }

  /** On start and on every ARI reconnect: rebuild from Asterisk plus our store. */
  onPbxConnected(): Promise<void> {
    return this.serial(() => this.resync());
  }

  setPresence(receptionistId: string, request: PresenceRequest): Promise<PresenceResult> {
    return this.serial(async () => {
      let result = this.switchboard.setPresence(receptionistId, request, this.deps.clock.now());
      if (!result.ok) {
        const profile = await this.deps.directory.receptionist(receptionistId);
        if (!profile) return result;
        this.switchboard.upsertReceptionist(profile, this.deps.clock.now());
        result = this.switchboard.setPresence(receptionistId, request, this.deps.clock.now());
      }
      if (result.ok) this.apply(result.commands);
      return result;
    });
  }

  /**
   * The PBX's view of a phone (AMI: PJSIP contact status and device state). An unreachable phone
   * is never rung; when it comes back its receptionist returns to where they were. The reason is
   * kept for the receptionist's read model, so a console shows why nobody rings them.
   */
  phoneReachabilityChanged(change: EndpointReachability): Promise<void> {
    return this.serial(async () => {
      for (const receptionistId of this.switchboard.receptionistsAt(change.endpoint)) {
        if (change.reachable) this.unreachableBecause.delete(receptionistId);
        else this.unreachableBecause.set(receptionistId, change.reason);
        this.handle({ type: 'reachability-changed', receptionistId, reachable: change.reachable });
      }
    });
  }

  /** true once the first reconciliation with Asterisk is done: before it, the live state is not yet rebuilt. */
  get reconciled(): boolean {
    return this.resyncedOnce;
  }

  /** Every receptionist's phone (dial string). */
  phoneEndpoints(): string[] {
    return this.switchboard.endpoints();
  }

  /** The phones the app_queue fallback queue should ring: those of the receptionists logged in. */
  loggedInEndpoints(): string[] {
    return this.switchboard.loggedInEndpoints();
  }

  /** Picks up receptionists added or changed in the directory. */
  reloadRoster(): Promise<void> {
    return this.serial(async () => {
      for (const p of await this.deps.directory.receptionists()) this.switchboard.upsertReceptionist(p, this.deps.clock.now());
    });
  }

  // ---- read models ------------------------------------------------------------------------

  receptionists(): ReceptionistView[] {
    return this.switchboard.listReceptionists().map((r) => this.view(r));
  }

  receptionist(id: string): ReceptionistView | undefined {
    const r = this.switchboard.receptionist(id);
    return r && this.view(r);
  }

  private view(r: ReceptionistSnapshot): ReceptionistView {
    return { ...r, unreachableReason: r.reachable ? null : (this.unreachableBecause.get(r.id) ?? 'unreachable') };
  }

  waiting(): CallSnapshot[] {
    return this.switchboard.waiting();
  }

  liveCalls(): CallSnapshot[] {
    return this.switchboard.listCalls();
  }

  /** Stops timers and waits for queued work and writes; leaves every call up in Asterisk. */
  async stop(): Promise<void> {
    await this.tail.catch(() => undefined);
    this.deps.timers.cancelAll();
    if (this.queueNoticeTimer) clearTimeout(this.queueNoticeTimer);
    // Bounded: with Redis or PostgreSQL away, stopping must not hang forever. Live state that
    // did not reach Redis is rebuilt from Asterisk by the next instance's reconcile.
    const settled = Promise.all([this.deps.liveState.flush(), this.deps.callLog.flush(), this.deps.analytics?.flush()]).then(() => true);
    const timedOut = new Promise<false>((r) => setTimeout(() => r(false), 5000).unref());
    if (!(await Promise.race([settled, timedOut]))) this.deps.logger.error('stopped before every write reached Redis and PostgreSQL');
  }

  // ---- the serial executor ----------------------------------------------------------------

  private serial<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch((err) => this.deps.logger.error({ err }, 'call service step failed'));
    return run;
  }

  private handle(event: SwitchboardEvent): void {
    this.apply(this.switchboard.handle(event, this.deps.clock.now()));
  }

  private async onFact(fact: StasisFact): Promise<void> {
    switch (fact.kind) {
      case 'caller-entered':
        // An idle desk phone's feature code is never a caller: it never joins the queue.
        if (fact.args[0] === 'feature') return this.phoneCode(fact.channel, fact.args);
        await this.callerEntered(fact.channel, fact.args);
        return;
      case 'offer-answered':
        this.answeredOffers.add(fact.offerId);
        this.handle({ type: 'offer-answered', offerId: fact.offerId });
        return;
      case 'offer-dial-status':
        this.dialStatus.set(fact.offerId, fact.status);
        return;
      case 'offer-destroyed': {
        this.features?.forget(fact.offerId);
        const reason = legEndReason(this.dialStatus.get(fact.offerId), fact.cause, this.answeredOffers.has(fact.offerId));
        this.dialStatus.delete(fact.offerId);
        this.answeredOffers.delete(fact.offerId);
        this.handle({ type: 'leg-ended', offerId: fact.offerId, reason });
        return;
      }
      case 'offer-left':
        this.features?.forget(fact.offerId);
        this.handle({ type: 'leg-ended', offerId: fact.offerId, reason: 'hangup' });
        return;
      case 'caller-left':
        this.handle({ type: 'caller-left', callId: fact.callId });
        return;
      case 'playback-finished':
        this.media.playbackFinished(fact.playbackId);
        return;
      case 'recording-finished':
        this.media.recordingFinished(fact.name, fact.ok);
        return;
      case 'endpoint-state': {
        for (const receptionistId of this.switchboard.receptionistsAt(fact.resource)) {
          if (fact.online) this.unreachableBecause.delete(receptionistId);
          // AMI's reason (contact, device state) is more precise; keep it when it came first.
          else if (!this.unreachableBecause.has(receptionistId)) this.unreachableBecause.set(receptionistId, 'endpoint-offline');
          this.handle({ type: 'reachability-changed', receptionistId, reachable: fact.online });
        }
        return;
      }
      case 'caller-dtmf':
        this.flow?.digit(fact.callId, fact.digit);
        return;
      case 'callee-answered':
        if (this.flow) this.flow.calleeAnswered(fact.channelId);
        else this.hangupQuietly(fact.channelId);
        return;
      case 'callee-dial-status':
        this.flow?.calleeDialStatus(fact.channelId, fact.status);
        return;
      case 'callee-destroyed':
        this.flow?.calleeDestroyed(fact.channelId, fact.cause);
        return;
      case 'callee-left':
        this.flow?.calleeLeft(fact.channelId);
        return;
      case 'receptionist-dtmf':
        // Only a receptionist's leg of a connected call reads feature codes; caller digits never do.
        if (this.features && this.switchboard.connectedCallOfLeg(fact.offerId)) this.features.digit(fact.offerId, fact.digit);
        return;
      case 'transfer-answered':
        this.answeredTransfers.add(fact.channelId);
        this.handle({ type: 'transfer-answered', channelId: fact.channelId });
        return;
      case 'transfer-dial-status':
        this.transferDialStatus.set(fact.channelId, fact.status);
        return;
      case 'transfer-destroyed': {
        const reason = legEndReason(this.transferDialStatus.get(fact.channelId), fact.cause, this.answeredTransfers.has(fact.channelId));
        this.transferDialStatus.delete(fact.channelId);
        this.answeredTransfers.delete(fact.channelId);
        this.handle({ type: 'transfer-ended', channelId: fact.channelId, reason });
        return;
      }
      case 'transfer-left':
        this.handle({ type: 'transfer-ended', channelId: fact.channelId, reason: 'hangup' });
        return;
      case 'replaced':
        this.deps.logger.error('another Switchboard took over the Stasis app; this instance no longer gets events');
        return;
    }
  }

  /**
   * A feature code dialled from an idle desk phone (dialplan/receptionists.conf): the phone is
   * known by its channel name; the receptionist's state changes as through the API; the phone
   * hears a beep (done) or an error tone (unknown phone, bad code, not possible now) and is hung up.
   */
  private phoneCode(channel: PbxChannel, args: string[]): void {
    const entry = parseStasisArgs(args);
    const endpoint = endpointOfChannelName(channel.name);
    const receptionistId = endpoint ? this.switchboard.receptionistsAt(endpoint)[0] : undefined;
    let ok = false;
    if (entry.kind === 'feature' && receptionistId) {
      const code = phoneCodeRequest(entry);
      const now = this.deps.clock.now();
      const result = code.kind === 'presence' ? this.switchboard.setPresence(receptionistId, code.request, now) : this.switchboard.retrieveParked(code.slot, receptionistId, now);
      ok = result.ok;
      if (result.ok) this.apply(result.commands);
    }
    this.deps.logger.info({ channel: channel.name, args, receptionistId: receptionistId ?? null, ok }, 'feature code from an idle phone');
    const { pbx } = this.deps;
    void (async () => {
      await pbx.answer(channel.id);
      await pbx.play(channel.id, [ok ? PHONE_CODE_DONE_MEDIA : PHONE_CODE_REFUSED_MEDIA], `sb-code-${channel.id}`);
      // Long enough for the tone; the phone may hang up first.
      await new Promise((r) => setTimeout(r, 800).unref());
      await pbx.hangup(channel.id);
    })().catch((err) => this.deps.logger.debug({ err: (err as Error).message, channel: channel.name }, 'feature-code channel already gone'));
  }

  private async callerEntered(channel: { id: string; callerName: string; callerNumber: string; createdAt: number }, args: string[], arrivedAt?: number): Promise<void> {
    const did = args[0] === 'inbound' ? cleanDid(args[1]) : null;
    let client: ClientProfile | null = null;
    if (did) {
      try {
        client = await this.deps.directory.clientForNumber(did);
      } catch (err) {
        this.deps.logger.error({ err, callId: channel.id }, 'client lookup failed; using the default client');
      }
    }
    if (!client) this.deps.logger.warn({ callId: channel.id, did: did ?? String(args[1] ?? '') }, 'unknown number; company-wide default');
    this.handle({
      type: 'call-arrived',
      callId: channel.id,
      client: client ?? this.deps.defaultClient,
      did: did ?? '',
      caller: { name: cleanCallerText(channel.callerName, 80), number: cleanCallerText(channel.callerNumber, 40) },
      knownNumber: client !== null,
      arrivedAt,
    });
  }

  // ---- commands out -----------------------------------------------------------------------

  private apply(commands: Command[]): void {
    let queueChanged = false;
    for (const c of commands) {
      if (this.flow?.apply(c)) continue;
      switch (c.type) {
        case 'originate': {
          const o = c.offer;
          if (this.decision) this.metrics.routed(this.decision.trigger, performance.now() - this.decision.receivedAt);
          this.deps.pbx
            .originate({
              channelId: o.offerId,
              endpoint: o.endpoint,
              appArgs: `offer,${o.callId},${o.receptionistId}`,
              callerName: o.caller.name,
              callerNumber: o.caller.number,
              timeoutSeconds: o.timeoutSeconds,
            })
            .catch((err) => {
              this.callLogger(o.callId).warn({ receptionistId: o.receptionistId, err: (err as Error).message }, 'originate failed');
              void this.serial(() => this.handle({ type: 'leg-ended', offerId: o.offerId, reason: 'unreachable' }));
            });
          break;
        }
        case 'ring-caller':
          this.media.ring(c.callId);
          break;
        case 'hold-caller':
          this.media.hold(c.callId, c.mohClass);
          break;
        case 'connect':
          this.media.connect(c.callId, c.offerId);
          break;
        case 'hangup-leg':
          this.hangupQuietly(c.offerId);
          break;
        case 'hangup-caller':
          this.hangupQuietly(c.callId);
          break;
        case 'overflow':
          this.startOverflow(c.callId, c.treatment);
          break;
        case 'play-to-caller':
          this.media.play(c.callId, c.media);
          break;
        case 'start-timer': {
          const key = c.key;
          this.deps.timers.start(key, c.ms, () => void this.serial(() => this.handle({ type: 'timer-fired', key })));
          break;
        }
        case 'cancel-timer':
          this.deps.timers.cancel(c.key);
          break;
        case 'log':
          this.record(c.entry);
          this.metrics.timeline(c.entry);
          this.logTimeline(c.entry);
          break;
        case 'save-call':
          this.deps.liveState.saveCall(c.call);
          queueChanged = true;
          break;
        case 'drop-call':
          this.deps.liveState.dropCall(c.callId);
          this.media.forget(c.callId);
          this.callLoggers.delete(c.callId);
          queueChanged = true;
          break;
        case 'save-receptionist':
          this.deps.liveState.saveReceptionist(c.receptionist);
          this.deps.analytics?.receptionistSaved(c.receptionist);
          this.deps.notifier.publish({ type: 'receptionist', receptionist: c.receptionist });
          break;
        case 'screen-pop':
          this.deps.notifier.publish({ type: 'screen-pop', pop: c.pop });
          break;
        case 'hold-caller-aside':
          this.media.holdAside(c.callId, c.mohClass);
          break;
        case 'resume-caller':
          this.media.resume(c.callId);
          break;
        case 'unbridge-caller':
          this.media.unbridge(c.callId);
          break;
        case 'dial-transfer': {
          const { callId, channelId } = c;
          this.deps.pbx
            .originate({ channelId, endpoint: c.endpoint, appArgs: `transfer,${callId}`, callerName: c.callerName, callerNumber: c.callerNumber, timeoutSeconds: c.timeoutSeconds })
            .catch((err) => {
              this.callLogger(callId).warn({ err: (err as Error).message }, 'transfer originate failed');
              void this.serial(() => this.handle({ type: 'transfer-ended', channelId, reason: 'unreachable' }));
            });
          break;
        }
        case 'announce-park': {
          const { callId, offerId, slot } = c;
          // Out of the caller's bridge first, so the caller does not hear the slot number.
          this.deps.pbx
            .removeFromBridge(callBridgeId(callId), offerId)
            .catch(() => undefined)
            .then(() => this.media.playThenHangup(offerId, [`digits:${slot}`], 5000))
            .catch((err) => this.callLogger(callId).warn({ err: (err as Error).message }, 'park announcement failed'));
          break;
        }
        case 'connect-transfer':
          this.media.connectTransfer(c.callId, c.channelId);
          break;
        case 'hangup-transfer':
          this.hangupQuietly(c.channelId);
          break;
        case 'consult-start':
          this.media.consultStart(c.callId, c.offerId, c.mohClass);
          break;
        case 'consult-connect':
          this.media.consultConnect(c.callId, c.channelId);
          break;
        case 'consult-return':
          this.media.consultReturn(c.callId, c.offerId);
          break;
        case 'consult-complete':
          this.media.consultComplete(c.callId, c.channelId);
          break;
        case 'consult-three-way':
          this.media.consultThreeWay(c.callId, c.offerId, c.channelId);
          break;
        case 'notify-receptionist':
          this.errorTone(c.offerId);
          break;
      }
    }
    if (queueChanged) this.scheduleQueueNotice();
  }

  /** One child logger per call, carrying the call, client and (once offered) receptionist ids. */
  private callLogger(callId: string): Logger {
    const receptionistId = this.switchboard.receptionistOfCall(callId);
    const cached = this.callLoggers.get(callId);
    if (cached && cached.receptionistId === receptionistId) return cached.logger;
    const logger = this.deps.logger.child({ callId, clientId: this.switchboard.clientOf(callId)?.id, receptionistId: receptionistId ?? undefined });
    if (this.switchboard.hasCall(callId)) this.callLoggers.set(callId, { receptionistId, logger });
    return logger;
  }

  private logTimeline(entry: Extract<Command, { type: 'log' }>['entry']): void {
    if (!this.deps.logger.isLevelEnabled('info')) return;
    const { kind, callId, at: _at, ...fields } = entry as typeof entry & { caller?: unknown };
    delete (fields as { caller?: unknown }).caller; // personal data stays out of the logs
    delete (fields as { number?: unknown }).number;
    this.callLogger(callId).info(fields, `call ${kind}`);
  }

  /** A timeline entry: the call log, and the analytics feed (presence history, queue_log). */
  private record(entry: TimelineEntry): void {
    this.deps.callLog.append(entry);
    this.deps.analytics?.timeline(entry);
  }

  private startOverflow(callId: string, treatment: ClientProfile['overflow']): void {
    this.media.overflow(callId, treatment, ({ recording }) => {
      if (recording) {
        this.record({ kind: 'voicemail-recorded', callId, at: this.deps.clock.now(), recording });
      }
      void this.serial(() => this.handle({ type: 'overflow-finished', callId, recording: null }));
    });
  }

  private hangupQuietly(channelId: string): void {
    this.deps.pbx.hangup(channelId).catch((err) => {
      if (!(err instanceof PbxError && err.notFound)) this.deps.logger.warn({ channelId, err: (err as Error).message }, 'hangup failed');
    });
  }

  private scheduleQueueNotice(): void {
    if (this.queueNoticeTimer) return;
    this.queueNoticeTimer = setTimeout(() => {
      this.queueNoticeTimer = null;
      this.deps.notifier.publish({
        type: 'queue',
        waiting: this.switchboard.waiting().map((c) => ({
          callId: c.id,
          clientId: c.clientId,
          callerName: c.caller.name,
          callerNumber: c.caller.number,
          waitingSince: c.arrivedAt,
        })),
      });
    }, 200);
    this.queueNoticeTimer.unref();
  }

  // ---- restart and reconnect --------------------------------------------------------------

  /** Callbacks not finished: from PostgreSQL on start, from memory on a reconnect. */
  private async pendingCallbacks(firstTime: boolean): Promise<PendingForRestore[]> {
    const settings = this.deps.callbacks;
    if (!settings) return [];
    if (!firstTime) return this.switchboard.pendingCallbacks().map((p) => ({ ...p, sent: p.state === 'dialing' }));
    const now = this.deps.clock.now();
    const out: PendingForRestore[] = [];
    for (const row of await settings.store.pending()) {
      const client = await this.deps.directory.client(row.ticket.clientId).catch(() => null);
      if (!client) continue;
      const schedule = await settings.store.schedule(client.id, now).catch(() => ({ timeZone: 'UTC', hours: [], closures: [] }));
      let ticket: CallbackTicket = { ...row.ticket, schedule };
      let sent = false;
      if (row.status === 'dialing') {
        // The outbox row tells whether this attempt may have placed a call: if so it is never re-dialled.
        sent = row.openAttempt !== null;
        if (!sent) ticket = { ...ticket, attempts: Math.max(0, ticket.attempts - 1) };
      }
      out.push({ ticket, client, state: row.status, dueAt: row.dueAt, sent });
    }
    return out;
  }

  /**
   * What the switchboard restores: scheduled callbacks keep their time, queued ones their place.
   * One that was being dialled when we lost track is over: its leg is hung up, the attempt is
   * recorded as interrupted and the next one is scheduled (or the callback fails).
   */
  private restoreCallbacks(pending: PendingForRestore[], now: number): Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }> {
    const settings = this.deps.callbacks;
    if (!settings) return [];
    const out: Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }> = [];
    for (const p of pending) {
      if (p.state === 'scheduled') out.push({ ticket: p.ticket, client: p.client, dueAt: p.dueAt });
      else if (p.state === 'queued' || !p.sent) out.push({ ticket: p.ticket, client: p.client, dueAt: now });
      else {
        const attempt = p.ticket.attempts;
        const plan = planRetry(attempt, now, settings.policy, p.ticket.schedule);
        this.record({
          kind: 'callback-attempt',
          callId: `callback-${p.ticket.id}`,
          at: now,
          callbackId: p.ticket.id,
          attempt,
          receptionistId: null,
          outcome: 'interrupted',
          next: plan.kind === 'retry' ? 'retry' : 'failed',
          retryAt: plan.kind === 'retry' ? plan.dueAt : null,
        });
        settings.store.saveAttemptOutcome(p.ticket.id, attempt, null, 'interrupted');
        if (plan.kind === 'retry') out.push({ ticket: { ...p.ticket }, client: p.client, dueAt: plan.dueAt });
        else settings.store.save(p.ticket, 'failed', null, p.ticket.originalCallId ? 'caller' : 'api');
      }
    }
    return out;
  }

  /**
   * Callbacks whose receptionist had answered, for reconcile. On a reconnect from memory. On start
   * from PostgreSQL (Redis never holds callbacks): the `dialing` ones with an outbox row, and those
   * Asterisk or the receptionists' last state point at (a callback bridge, a callee leg, a
   * receptionist on-call with one) whose answer is recorded and whose end is not.
   */
  private async callbacksInProgress(
    firstTime: boolean,
    pending: PendingForRestore[],
    receptionists: ReceptionistSnapshot[],
    channels: PbxChannel[],
    bridges: PbxBridge[],
  ): Promise<Map<string, CallbackKnown>> {
    const out = new Map<string, CallbackKnown>();
    const settings = this.deps.callbacks;
    if (!settings) return out;
    if (!firstTime) {
      for (const c of this.switchboard.connectedCallbacks()) {
        out.set(c.ticket.id, { ticket: c.ticket, client: c.client, answered: c.calleeAnswered, answeredAt: c.answeredAt, inProgress: true });
      }
      return out;
    }
    for (const p of pending) {
      if (p.state === 'dialing' && p.sent) out.set(p.ticket.id, { ticket: p.ticket, client: p.client, answered: false, answeredAt: null, inProgress: true });
    }
    const prefix = callbackCallId('');
    const ids = new Set<string>();
    for (const b of bridges) {
      const callId = callIdOfBridge(b.id);
      if (callId?.startsWith(prefix)) ids.add(callId.slice(prefix.length));
    }
    for (const ch of channels) {
      const parsed = parseCallbackChannelId(ch.id);
      if (parsed) ids.add(parsed.callbackId);
    }
    for (const r of receptionists) if (r.presence.kind === 'on-call' && r.presence.callId.startsWith(prefix)) ids.add(r.presence.callId.slice(prefix.length));
    const now = this.deps.clock.now();
    for (const id of ids) {
      if (out.has(id) || pending.some((p) => p.ticket.id === id)) continue;
      const record = await settings.store.get(id).catch((err) => {
        this.deps.logger.warn({ callbackId: id, err: (err as Error).message }, 'could not read a callback to reconcile');
        return null;
      });
      if (!record) continue;
      const client = (await this.deps.directory.client(record.clientId).catch(() => null)) ?? this.deps.defaultClient;
      const schedule = await settings.store.schedule(client.id, now).catch(() => ({ timeZone: 'UTC', hours: [], closures: [] }));
      const last = record.attemptList?.find((a) => a.attempt === record.attempts);
      const answered = record.status === 'completed' && last?.status === 'answered';
      const ended = (record.timeline ?? []).some((e) => e.kind === 'ended');
      out.set(id, {
        ticket: {
          id,
          clientId: record.clientId,
          number: record.number,
          name: record.name,
          note: record.note,
          did: record.did,
          attempts: record.attempts,
          enqueuedAt: new Date(record.enqueuedAt).getTime(),
          priorityTier: client.priorityTier,
          originalWaitMs: record.originalWaitMs,
          originalCallId: record.originalCallId,
          schedule,
        },
        client,
        answered,
        answeredAt: last?.endedAt ? new Date(last.endedAt).getTime() : null,
        inProgress: answered && !ended,
      });
    }
    return out;
  }

  /** What the switchboard restores of a callback reconcile kept (Asterisk alone when no store knows it). */
  private connectedCallback(k: KeptCallback, known: CallbackKnown | undefined, now: number): ConnectedCallback {
    const ticket: CallbackTicket = known
      ? { ...known.ticket, attempts: k.attempt }
      : {
          id: k.callbackId,
          clientId: this.deps.defaultClient.id,
          number: '',
          name: '',
          note: '',
          did: '',
          attempts: k.attempt,
          enqueuedAt: now,
          priorityTier: 0,
          originalWaitMs: 0,
          originalCallId: null,
          schedule: { timeZone: 'UTC', hours: [], closures: [] },
        };
    if (!known) this.deps.logger.warn({ callId: k.callId, callbackId: k.callbackId }, 'connected callback unknown to our stores; kept from Asterisk alone');
    return {
      ticket,
      client: known?.client ?? this.deps.defaultClient,
      offerId: k.offerId,
      receptionistId: k.receptionistId,
      calleeChannelId: k.calleeChannelId,
      calleeAnswered: !k.recordAnswer,
      answeredAt: k.recordAnswer ? null : (known?.answeredAt ?? now),
    };
  }

  private newSwitchboard(): Switchboard {
    return new Switchboard({
      callbackPolicy: this.deps.callbacks?.policy,
      transfers: this.deps.features?.transfers,
      park: this.deps.features?.park,
      newOfferId: (receptionistId) =>
        newOfferChannelId(receptionistId, `${this.deps.clock.now().toString(36)}${this.instanceTag}${(this.offerSeq++).toString(36)}`),
    });
  }

  private async resync(): Promise<void> {
    const { deps } = this;
    const firstTime = !this.resyncedOnce;
    const stored = firstTime
      ? await deps.liveState.load()
      : { calls: this.switchboard.listCalls().filter((c) => !c.callbackId), receptionists: this.switchboard.listReceptionists() };
    const pendingCallbacks = await this.pendingCallbacks(firstTime);
    const [channels, bridges, profiles] = await Promise.all([deps.pbx.channels(), deps.pbx.bridges(), deps.directory.receptionists()]);
    const endpoints = await deps.pbx.endpoints().catch(() => []);
    await deps.pbx.subscribe('endpoint:PJSIP').catch((err) => deps.logger.warn({ err: (err as Error).message }, 'endpoint subscription failed'));
    const now = deps.clock.now();
    deps.timers.cancelAll();
    this.flow?.reset();
    this.features?.reset();

    const inProgress = await this.callbacksInProgress(firstTime, pendingCallbacks, stored.receptionists, channels, bridges);
    const plan = reconcile({
      app: deps.app,
      now,
      calls: stored.calls,
      receptionists: stored.receptionists,
      receptionistIds: profiles.map((p) => p.id),
      channels,
      bridges,
      callbacks: [...inProgress.values()]
        .filter((c) => c.inProgress)
        .map((c) => ({ callbackId: c.ticket.id, attempt: c.ticket.attempts, answered: c.answered, answeredAt: c.answeredAt, enqueuedAt: c.ticket.enqueuedAt })),
    });

    const switchboard = this.newSwitchboard();
    for (const p of profiles) switchboard.upsertReceptionist(p, now);
    const calls: Array<{ snapshot: CallSnapshot; client: ClientProfile }> = [];
    for (const snapshot of plan.calls) {
      const client =
        (snapshot.clientId ? await deps.directory.client(snapshot.clientId).catch(() => null) : null) ??
        (snapshot.did ? await deps.directory.clientForNumber(snapshot.did).catch(() => null) : null) ??
        deps.defaultClient;
      calls.push({ snapshot: { ...snapshot, clientId: client.id }, client });
      if (firstTime) {
        const connected = snapshot.phase === 'connected';
        const up = channels.find((ch) => ch.id === snapshot.id)?.state === 'Up';
        const inBridge = bridges.some((b) => b.channelIds.includes(snapshot.id));
        this.media.adopt(snapshot.id, { answered: up, bridged: inBridge, moh: !connected && snapshot.onHold });
      }
    }
    this.switchboard = switchboard;
    this.resyncedOnce = true;

    for (const entry of plan.log) {
      this.record(entry);
      deps.liveState.dropCall(entry.callId);
    }
    for (const id of plan.hangupChannels) this.hangupQuietly(id);
    for (const id of plan.destroyBridges) deps.pbx.destroyBridge(id).catch(() => undefined);

    // A connected callback is restored as connected; every other one follows the outbox rules.
    const kept = new Set(plan.callbacks.map((k) => k.callbackId));
    const callbacks = this.restoreCallbacks(pendingCallbacks.filter((p) => !kept.has(p.ticket.id)), now);
    const connectedCallbacks = plan.callbacks.map((k) => this.connectedCallback(k, inProgress.get(k.callbackId), now));
    if (firstTime) for (const k of plan.callbacks) this.media.adopt(k.callId, { answered: true, bridged: true, moh: k.connectCallee });
    this.apply(switchboard.restore({ receptionists: plan.receptionists, calls, callbacks, connectedCallbacks }, now));
    for (const k of plan.callbacks) {
      if (k.recordAnswer) {
        // Answered while we were away: recorded now, once, as a live answer would have been.
        const commands = switchboard.handleCallback({ type: 'callee-answered', channelId: k.calleeChannelId }, now);
        this.apply(commands.filter((c) => c.type !== 'connect-callee' || k.connectCallee));
      } else if (k.connectCallee) this.media.connectCallee(k.callId, k.calleeChannelId);
    }
    for (const ep of endpoints) {
      if (ep.online) continue;
      for (const p of profiles) if (p.endpoint === ep.resource) this.handle({ type: 'reachability-changed', receptionistId: p.id, reachable: false });
    }
    for (const { callId, offerId } of plan.connectNow) this.media.connect(callId, offerId);
    for (const { callId, offerId } of plan.consultReturn) this.media.consultReturn(callId, offerId);
    for (const callId of plan.overflowAgain) {
      const client = calls.find((c) => c.snapshot.id === callId)?.client ?? deps.defaultClient;
      this.startOverflow(callId, client.overflow);
    }
    for (const { channel, did } of plan.unknownCallers) {
      this.media.adopt(channel.id, { answered: channel.state === 'Up', bridged: bridges.some((b) => b.channelIds.includes(channel.id)), moh: false });
      await this.callerEntered(channel, ['inbound', did], channel.createdAt);
    }
    deps.logger.info(
      { calls: plan.calls.length, callbacks: plan.callbacks.length, hungUp: plan.hangupChannels.length, unknownCallers: plan.unknownCallers.length, firstTime },
      'reconciled with Asterisk',
    );
  }
}

/** A callback as our stores know it, for reconcile. */
interface CallbackKnown {
  ticket: CallbackTicket;
  client: ClientProfile;
  /** The callee's answer is recorded. */
  answered: boolean;
  answeredAt: number | null;
  /** Its receptionist answered and it has not ended: reconcile decides whether it survives. */
  inProgress: boolean;
}

interface PendingForRestore {
  ticket: CallbackTicket;
  client: ClientProfile;
  state: 'scheduled' | 'queued' | 'dialing';
  dueAt: number;
  /** The attempt in progress may have placed a call (its outbox row exists): never dial it again. */
  sent: boolean;
}
