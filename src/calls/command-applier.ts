import type { Logger } from 'pino';
import type { Command, SwitchboardEvent } from '../domain/messages';
import type { ClientProfile } from '../domain/model';
import type { CallAnalytics } from '../ports/analytics';
import { PbxError, type CallControl } from '../ports/call-control';
import type { Clock, Timers } from '../ports/clock';
import type { LiveStateStore } from '../ports/live-state';
import type { CallMetrics, RoutingTrigger } from '../ports/metrics';
import type { Notifier } from '../ports/notifier';
import type { CallMedia } from './call-media';
import type { CallTimeline } from './call-timeline';
import type { CallbackFlow } from './callback-flow';
import { callBridgeId } from './channel-ids';
import type { QueueNotices } from './queue-notices';

export interface CommandApplierDeps {
  pbx: CallControl;
  media: CallMedia;
  timers: Timers;
  clock: Clock;
  liveState: LiveStateStore;
  notifier: Notifier;
  analytics?: CallAnalytics;
  metrics: CallMetrics;
  logger: Logger;
  timeline: CallTimeline;
  queueNotices: QueueNotices;
  /** The callback commands' I/O; without callbacks, none is ever given. */
  callbacks: CallbackFlow | null;
  /** What the receptionist alone hears for an invalid or refused feature code; null without feature codes. */
  errorMedia: string[] | null;
  /** The ARI event being handled now and when it reached us, for the routing-latency metric. */
  decision: () => { trigger: RoutingTrigger; receivedAt: number } | null;
  /** Hands an event to the switchboard later, on the serial executor (a timer, a failed request). */
  later: (event: SwitchboardEvent) => void;
}

/**
 * Carries out the switchboard's commands: PBX requests, timers, stores, the timeline and
 * notices. PBX requests are sent without waiting on each other, in the order given; their
 * failures come back as events.
 */
export class CommandApplier {
  constructor(private readonly deps: CommandApplierDeps) {}

  apply(commands: Command[]): void {
    const { deps } = this;
    const { media } = deps;
    let queueChanged = false;
    for (const c of commands) {
      if (deps.callbacks?.apply(c)) continue;
      switch (c.type) {
        case 'originate': {
          const o = c.offer;
          const decision = deps.decision();
          if (decision) deps.metrics.routed(decision.trigger, performance.now() - decision.receivedAt);
          deps.pbx
            .originate({
              channelId: o.offerId,
              endpoint: o.endpoint,
              appArgs: `offer,${o.callId},${o.receptionistId}`,
              callerName: o.caller.name,
              callerNumber: o.caller.number,
              timeoutSeconds: o.timeoutSeconds,
            })
            .catch((err) => {
              deps.timeline.callLogger(o.callId).warn({ receptionistId: o.receptionistId, err: (err as Error).message }, 'originate failed');
              deps.later({ type: 'leg-ended', offerId: o.offerId, reason: 'unreachable' });
            });
          break;
        }
        case 'ring-caller':
          media.ring(c.callId);
          break;
        case 'hold-caller':
          media.hold(c.callId, c.mohClass);
          break;
        case 'connect':
          media.connect(c.callId, c.offerId);
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
          media.play(c.callId, c.media);
          break;
        case 'start-timer': {
          const key = c.key;
          deps.timers.start(key, c.ms, () => deps.later({ type: 'timer-fired', key }));
          break;
        }
        case 'cancel-timer':
          deps.timers.cancel(c.key);
          break;
        case 'log':
          deps.timeline.logged(c.entry);
          break;
        case 'save-call':
          deps.liveState.saveCall(c.call);
          queueChanged = true;
          break;
        case 'drop-call':
          deps.liveState.dropCall(c.callId);
          media.forget(c.callId);
          deps.timeline.forget(c.callId);
          queueChanged = true;
          break;
        case 'save-receptionist':
          deps.liveState.saveReceptionist(c.receptionist);
          deps.analytics?.receptionistSaved(c.receptionist);
          deps.notifier.publish({ type: 'receptionist', receptionist: c.receptionist });
          break;
        case 'screen-pop':
          deps.notifier.publish({ type: 'screen-pop', pop: c.pop });
          break;
        case 'hold-caller-aside':
          media.holdAside(c.callId, c.mohClass);
          break;
        case 'resume-caller':
          media.resume(c.callId);
          break;
        case 'unbridge-caller':
          media.unbridge(c.callId);
          break;
        case 'dial-transfer': {
          const { callId, channelId } = c;
          deps.pbx
            .originate({ channelId, endpoint: c.endpoint, appArgs: `transfer,${callId}`, callerName: c.callerName, callerNumber: c.callerNumber, timeoutSeconds: c.timeoutSeconds })
            .catch((err) => {
              deps.timeline.callLogger(callId).warn({ err: (err as Error).message }, 'transfer originate failed');
              deps.later({ type: 'transfer-ended', channelId, reason: 'unreachable' });
            });
          break;
        }
        case 'announce-park': {
          const { callId, offerId, slot } = c;
          // Out of the caller's bridge first, so the caller does not hear the slot number.
          deps.pbx
            .removeFromBridge(callBridgeId(callId), offerId)
            .catch(() => undefined)
            .then(() => media.playThenHangup(offerId, [`digits:${slot}`], 5000))
            .catch((err) => deps.timeline.callLogger(callId).warn({ err: (err as Error).message }, 'park announcement failed'));
          break;
        }
        case 'connect-transfer':
          media.connectTransfer(c.callId, c.channelId);
          break;
        case 'hangup-transfer':
          this.hangupQuietly(c.channelId);
          break;
        case 'consult-start':
          media.consultStart(c.callId, c.offerId, c.mohClass);
          break;
        case 'consult-connect':
          media.consultConnect(c.callId, c.channelId);
          break;
        case 'consult-return':
          media.consultReturn(c.callId, c.offerId);
          break;
        case 'consult-complete':
          media.consultComplete(c.callId, c.channelId);
          break;
        case 'consult-three-way':
          media.consultThreeWay(c.callId, c.offerId, c.channelId);
          break;
        case 'notify-receptionist':
          this.errorTone(c.offerId);
          break;
      }
    }
    if (queueChanged) deps.queueNotices.changed();
  }

  /** Voicemail or an announcement; when it is over the switchboard hears of it. */
  startOverflow(callId: string, treatment: ClientProfile['overflow']): void {
    this.deps.media.overflow(callId, treatment, ({ recording }) => {
      if (recording) {
        this.deps.timeline.record({ kind: 'voicemail-recorded', callId, at: this.deps.clock.now(), recording });
      }
      this.deps.later({ type: 'overflow-finished', callId, recording: null });
    });
  }

  /** A channel that has gone already is not worth a warning: hang-ups race with everything. */
  hangupQuietly(channelId: string): void {
    this.deps.pbx.hangup(channelId).catch((err) => {
      if (!(err instanceof PbxError && err.notFound)) this.deps.logger.warn({ channelId, err: (err as Error).message }, 'hangup failed');
    });
  }

  /** The receptionist alone hears that a feature code was invalid or refused. */
  errorTone(offerId: string): void {
    if (this.deps.errorMedia) this.deps.media.playToLeg(offerId, this.deps.errorMedia);
  }
}
