import type { Logger } from 'pino';
import type { TimelineEntry } from '../domain/messages';
import type { Switchboard } from '../domain/switchboard';
import type { CallAnalytics } from '../ports/analytics';
import type { CallLog } from '../ports/call-log';
import type { CallMetrics } from '../ports/metrics';

export interface CallTimelineDeps {
  callLog: CallLog;
  analytics?: CallAnalytics;
  metrics: CallMetrics;
  logger: Logger;
  /** The live switchboard (a resync replaces it): which client and receptionist a call has. */
  calls: () => Pick<Switchboard, 'receptionistOfCall' | 'clientOf' | 'hasCall'>;
}

/**
 * Where a call's history goes: the call log and the analytics feed for every timeline entry,
 * plus metrics and one child logger per call for the entries the switchboard logs.
 */
export class CallTimeline {
  private readonly callLoggers = new Map<string, { receptionistId: string | null; logger: Logger }>();

  constructor(private readonly deps: CallTimelineDeps) {}

  /** A `log` command from the switchboard: recorded, counted and logged. */
  logged(entry: TimelineEntry): void {
    this.record(entry);
    this.deps.metrics.timeline(entry);
    this.logTimeline(entry);
  }

  /** A timeline entry: the call log, and the analytics feed (presence history, queue_log). */
  record(entry: TimelineEntry): void {
    this.deps.callLog.append(entry);
    this.deps.analytics?.timeline(entry);
  }

  /** One child logger per call, carrying the call, client and (once offered) receptionist ids. */
  callLogger(callId: string): Logger {
    const calls = this.deps.calls();
    const receptionistId = calls.receptionistOfCall(callId);
    const cached = this.callLoggers.get(callId);
    if (cached && cached.receptionistId === receptionistId) return cached.logger;
    const logger = this.deps.logger.child({ callId, clientId: calls.clientOf(callId)?.id, receptionistId: receptionistId ?? undefined });
    if (calls.hasCall(callId)) this.callLoggers.set(callId, { receptionistId, logger });
    return logger;
  }

  /** The call is gone: its logger goes too. */
  forget(callId: string): void {
    this.callLoggers.delete(callId);
  }

  private logTimeline(entry: TimelineEntry): void {
    if (!this.deps.logger.isLevelEnabled('info')) return;
    const { kind, callId, at: _at, ...fields } = entry as typeof entry & { caller?: unknown };
    delete (fields as { caller?: unknown }).caller; // personal data stays out of the logs
    delete (fields as { number?: unknown }).number;
    this.callLogger(callId).info(fields, `call ${kind}`);
  }
}
