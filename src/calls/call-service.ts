import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import type { AriEvent } from '../adapters/ari/ari-connection';
import type { CallbackEvent, CallSnapshot, Command, PresenceRequest, SwitchboardEvent } from '../domain/messages';
import type { CallbackTicket } from '../domain/callbacks';
import type { ClientProfile } from '../domain/model';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import { Switchboard, type CancelResult, type PresenceResult, type RetrieveResult } from '../domain/switchboard';
import type { CallAnalytics } from '../ports/analytics';
import type { CallLog } from '../ports/call-log';
import type { CallControl, PbxChannel } from '../ports/call-control';
import type { Clock, Timers } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { LiveStateStore } from '../ports/live-state';
import { noCallMetrics, type CallMetrics, type RoutingTrigger } from '../ports/metrics';
import type { Notifier } from '../ports/notifier';
import type { EndpointReachability } from '../ports/pbx-admin';
import { CallMedia } from './call-media';
import { CallTimeline } from './call-timeline';
import { CallbackFlow, type CallbackSettings } from './callback-flow';
import { CallbackRestore, callbacksForReconcile } from './callback-restore';
import { CommandApplier } from './command-applier';
import { InCallFeatures, type ApiFeatureOp, type ApiFeatureResult, type FeatureSettings } from './in-call-features';
import { QueueNotices } from './queue-notices';
import { cleanCallerText, cleanDid, newOfferChannelId } from './channel-ids';
import { reconcile } from './reconcile';
import { endpointOfChannelName, PHONE_CODE_DONE_MEDIA, PHONE_CODE_REFUSED_MEDIA, phoneCodeRequest } from './phone-codes';
import { parseStasisArgs } from '../dialplan-check/stasis-forms';
import { LegOutcomes, readStasisEvent, type StasisFact } from './stasis';

export type { ApiFeatureOp, ApiFeatureResult, FeatureSettings } from './in-call-features';

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

/**
 * The use cases of the core call path. Everything that touches the switchboard runs through
 * one serial executor, so each event sees the state the previous one left; PBX requests are
 * sent without waiting on each other, and their failures come back as events.
 *
 * The work is shared out: CommandApplier carries out the switchboard's commands, CallTimeline
 * records and logs each call's history, CallbackFlow and InCallFeatures run the callback prompt
 * and the receptionists' in-call operations, CallbackRestore reads what a resync restores of
 * callbacks. This class owns the executor, turns inputs into domain events and reconciles.
 */
export class CallService {
  private switchboard: Switchboard;
  private readonly media: CallMedia;
  private readonly timeline: CallTimeline;
  private readonly queueNotices: QueueNotices;
  private readonly commands: CommandApplier;
  private readonly callbackRestore: CallbackRestore;
  private tail: Promise<unknown> = Promise.resolve();
  /** Receptionists' legs (offers) and transfer legs, until each is destroyed. */
  private readonly offerLegs = new LegOutcomes();
  private readonly transferLegs = new LegOutcomes();
  private resyncedOnce = false;
  private offerSeq = 0;
  private readonly instanceTag = randomBytes(3).toString('hex');
  /** The ARI event being handled now and when it reached us, for the routing-latency metric. */
  private decision: { trigger: RoutingTrigger; receivedAt: number } | null = null;
  /** Why a receptionist's phone is unreachable, as the PBX last said (AMI or ARI endpoint state). */
  private readonly unreachableBecause = new Map<string, string>();

  private readonly flow: CallbackFlow | null;
  private readonly features: InCallFeatures | null;

  constructor(private readonly deps: CallServiceDeps) {
    this.switchboard = this.newSwitchboard();
    this.media = new CallMedia(deps.pbx, deps.logger);
    const metrics: CallMetrics = deps.metrics ?? noCallMetrics;
    const calls = () => this.switchboard;
    this.timeline = new CallTimeline({ callLog: deps.callLog, analytics: deps.analytics, metrics, logger: deps.logger, calls });
    this.queueNotices = new QueueNotices(deps.notifier, calls);
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
    this.commands = new CommandApplier({
      pbx: deps.pbx,
      media: this.media,
      timers: deps.timers,
      clock: deps.clock,
      liveState: deps.liveState,
      notifier: deps.notifier,
      analytics: deps.analytics,
      metrics,
      logger: deps.logger,
      timeline: this.timeline,
      queueNotices: this.queueNotices,
      callbacks: this.flow,
      errorMedia: deps.features?.errorMedia ?? null,
      decision: () => this.decision,
      later: (event) => void this.serial(() => this.handle(event)),
    });
    this.features = deps.features
      ? new InCallFeatures({
          settings: deps.features,
          timers: deps.timers,
          clock: deps.clock,
          directory: deps.directory,
          timeline: this.timeline,
          calls,
          serial: (work) => this.serial(work),
          apply: (commands) => this.apply(commands),
          errorTone: (offerId) => this.commands.errorTone(offerId),
        })
      : null;
    this.callbackRestore = new CallbackRestore({
      settings: deps.callbacks,
      directory: deps.directory,
      defaultClient: deps.defaultClient,
      clock: deps.clock,
      logger: deps.logger,
      calls,
      record: (entry) => this.timeline.record(entry),
    });
  }

  // ---- in-call operations: feature codes and the API --------------------------------------

  /**
   * An operation asked through the API by the receptionist on the call: the same domain
   * operation a feature code runs. The client's transfer rules are read first, then the
   * switchboard re-checks the call on the serial executor.
   */
  async callFeature(callId: string, receptionistId: string, op: ApiFeatureOp): Promise<ApiFeatureResult> {
    if (!this.features) return { ok: false, code: 'no-such-call', message: 'Feature operations are not enabled.' };
    return this.features.apiFeature(callId, receptionistId, op);
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
    this.queueNotices.stop();
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

  private apply(commands: Command[]): void {
    this.commands.apply(commands);
  }

  private async onFact(fact: StasisFact): Promise<void> {
    switch (fact.kind) {
      case 'caller-entered':
        // An idle desk phone's feature code is never a caller: it never joins the queue.
        if (fact.args[0] === 'feature') return this.phoneCode(fact.channel, fact.args);
        await this.callerEntered(fact.channel, fact.args);
        return;
      case 'offer-answered':
        this.offerLegs.answered(fact.offerId);
        this.handle({ type: 'offer-answered', offerId: fact.offerId });
        return;
      case 'offer-dial-status':
        this.offerLegs.dialled(fact.offerId, fact.status);
        return;
      case 'offer-destroyed':
        this.features?.forget(fact.offerId);
        this.handle({ type: 'leg-ended', offerId: fact.offerId, reason: this.offerLegs.destroyed(fact.offerId, fact.cause) });
        return;
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
        else this.commands.hangupQuietly(fact.channelId);
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
        this.features?.digit(fact.offerId, fact.digit);
        return;
      case 'transfer-answered':
        this.transferLegs.answered(fact.channelId);
        this.handle({ type: 'transfer-answered', channelId: fact.channelId });
        return;
      case 'transfer-dial-status':
        this.transferLegs.dialled(fact.channelId, fact.status);
        return;
      case 'transfer-destroyed':
        this.handle({ type: 'transfer-ended', channelId: fact.channelId, reason: this.transferLegs.destroyed(fact.channelId, fact.cause) });
        return;
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

  // ---- restart and reconnect --------------------------------------------------------------

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
    const pendingCallbacks = await this.callbackRestore.pendingCallbacks(firstTime);
    const [channels, bridges, profiles] = await Promise.all([deps.pbx.channels(), deps.pbx.bridges(), deps.directory.receptionists()]);
    const endpoints = await deps.pbx.endpoints().catch(() => []);
    await deps.pbx.subscribe('endpoint:PJSIP').catch((err) => deps.logger.warn({ err: (err as Error).message }, 'endpoint subscription failed'));
    const now = deps.clock.now();
    deps.timers.cancelAll();
    this.flow?.reset();
    this.features?.reset();

    const inProgress = await this.callbackRestore.callbacksInProgress(firstTime, pendingCallbacks, stored.receptionists, channels, bridges);
    const plan = reconcile({
      app: deps.app,
      now,
      calls: stored.calls,
      receptionists: stored.receptionists,
      receptionistIds: profiles.map((p) => p.id),
      channels,
      bridges,
      callbacks: callbacksForReconcile(inProgress),
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
      this.timeline.record(entry);
      deps.liveState.dropCall(entry.callId);
    }
    for (const id of plan.hangupChannels) this.commands.hangupQuietly(id);
    for (const id of plan.destroyBridges) deps.pbx.destroyBridge(id).catch(() => undefined);

    // A connected callback is restored as connected; every other one follows the outbox rules.
    const kept = new Set(plan.callbacks.map((k) => k.callbackId));
    const callbacks = this.callbackRestore.restoreCallbacks(pendingCallbacks.filter((p) => !kept.has(p.ticket.id)), now);
    const connectedCallbacks = plan.callbacks.map((k) => this.callbackRestore.connectedCallback(k, inProgress.get(k.callbackId), now));
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
      this.commands.startOverflow(callId, client.overflow);
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
