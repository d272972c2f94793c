import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import type { AriEvent } from '../adapters/ari/ari-connection';
import type { CallSnapshot, Command, PresenceRequest, SwitchboardEvent } from '../domain/messages';
import type { ClientProfile } from '../domain/model';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import { Switchboard, type PresenceResult } from '../domain/switchboard';
import type { CallLog } from '../ports/call-log';
import type { CallControl } from '../ports/call-control';
import { PbxError } from '../ports/call-control';
import type { Clock, Timers } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { LiveStateStore } from '../ports/live-state';
import { noCallMetrics, type CallMetrics, type RoutingTrigger } from '../ports/metrics';
import type { Notifier } from '../ports/notifier';
import { CallMedia } from './call-media';
import { cleanCallerText, cleanDid, newOfferChannelId } from './channel-ids';
import { reconcile } from './reconcile';
import { legEndReason, readStasisEvent, type StasisFact } from './stasis';

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
}

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

  constructor(private readonly deps: CallServiceDeps) {
    this.switchboard = this.newSwitchboard();
    this.media = new CallMedia(deps.pbx, deps.logger);
    this.metrics = deps.metrics ?? noCallMetrics;
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

  /** Picks up receptionists added or changed in the directory. */
  reloadRoster(): Promise<void> {
    return this.serial(async () => {
      for (const p of await this.deps.directory.receptionists()) this.switchboard.upsertReceptionist(p, this.deps.clock.now());
    });
  }

  // ---- read models ------------------------------------------------------------------------

  receptionists(): ReceptionistSnapshot[] {
    return this.switchboard.listReceptionists();
  }

  receptionist(id: string): ReceptionistSnapshot | undefined {
    return this.switchboard.receptionist(id);
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
    const settled = Promise.all([this.deps.liveState.flush(), this.deps.callLog.flush()]).then(() => true);
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
        const reason = legEndReason(this.dialStatus.get(fact.offerId), fact.cause, this.answeredOffers.has(fact.offerId));
        this.dialStatus.delete(fact.offerId);
        this.answeredOffers.delete(fact.offerId);
        this.handle({ type: 'leg-ended', offerId: fact.offerId, reason });
        return;
      }
      case 'offer-left':
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
        const r = this.switchboard.listReceptionists().find((x) => this.endpointOf(x.id) === fact.resource);
        if (r) this.handle({ type: 'reachability-changed', receptionistId: r.id, reachable: fact.online });
        return;
      }
      case 'replaced':
        this.deps.logger.error('another Switchboard took over the Stasis app; this instance no longer gets events');
        return;
    }
  }

  private endpointOfCache = new Map<string, string>();
  private endpointOf(receptionistId: string): string | undefined {
    return this.endpointOfCache.get(receptionistId);
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
          this.deps.callLog.append(c.entry);
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
          this.deps.notifier.publish({ type: 'receptionist', receptionist: c.receptionist });
          break;
        case 'screen-pop':
          this.deps.notifier.publish({ type: 'screen-pop', pop: c.pop });
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
    this.callLogger(callId).info(fields, `call ${kind}`);
  }

  private startOverflow(callId: string, treatment: ClientProfile['overflow']): void {
    this.media.overflow(callId, treatment, ({ recording }) => {
      if (recording) {
        this.deps.callLog.append({ kind: 'voicemail-recorded', callId, at: this.deps.clock.now(), recording });
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

  private newSwitchboard(): Switchboard {
    return new Switchboard({
      newOfferId: (receptionistId) =>
        newOfferChannelId(receptionistId, `${this.deps.clock.now().toString(36)}${this.instanceTag}${(this.offerSeq++).toString(36)}`),
    });
  }

  private async resync(): Promise<void> {
    const { deps } = this;
    const firstTime = !this.resyncedOnce;
    const stored = firstTime
      ? await deps.liveState.load()
      : { calls: this.switchboard.listCalls(), receptionists: this.switchboard.listReceptionists() };
    const [channels, bridges, profiles] = await Promise.all([deps.pbx.channels(), deps.pbx.bridges(), deps.directory.receptionists()]);
    const endpoints = await deps.pbx.endpoints().catch(() => []);
    await deps.pbx.subscribe('endpoint:PJSIP').catch((err) => deps.logger.warn({ err: (err as Error).message }, 'endpoint subscription failed'));
    const now = deps.clock.now();
    deps.timers.cancelAll();

    const plan = reconcile({
      app: deps.app,
      now,
      calls: stored.calls,
      receptionists: stored.receptionists,
      receptionistIds: profiles.map((p) => p.id),
      channels,
      bridges,
    });

    const switchboard = this.newSwitchboard();
    this.endpointOfCache = new Map(profiles.map((p) => [p.id, p.endpoint]));
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
      deps.callLog.append(entry);
      deps.liveState.dropCall(entry.callId);
    }
    for (const id of plan.hangupChannels) this.hangupQuietly(id);
    for (const id of plan.destroyBridges) deps.pbx.destroyBridge(id).catch(() => undefined);

    this.apply(switchboard.restore({ receptionists: plan.receptionists, calls }, now));
    for (const ep of endpoints) {
      if (ep.online) continue;
      for (const p of profiles) if (p.endpoint === ep.resource) this.handle({ type: 'reachability-changed', receptionistId: p.id, reachable: false });
    }
    for (const { callId, offerId } of plan.connectNow) this.media.connect(callId, offerId);
    for (const callId of plan.overflowAgain) {
      const client = calls.find((c) => c.snapshot.id === callId)?.client ?? deps.defaultClient;
      this.startOverflow(callId, client.overflow);
    }
    for (const { channel, did } of plan.unknownCallers) {
      this.media.adopt(channel.id, { answered: channel.state === 'Up', bridged: bridges.some((b) => b.channelIds.includes(channel.id)), moh: false });
      await this.callerEntered(channel, ['inbound', did], channel.createdAt);
    }
    deps.logger.info(
      { calls: plan.calls.length, hungUp: plan.hangupChannels.length, unknownCallers: plan.unknownCallers.length, firstTime },
      'reconciled with Asterisk',
    );
  }
}
