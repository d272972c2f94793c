import type { TimelineEntry } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import type { CallAnalytics, PresenceChange, PresenceLog, QueueLog } from '../ports/analytics';

/** The part of a logger the feed uses (pino's Logger fits). */
export interface FeedLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** The presence row a snapshot stands for: the reason when paused, the call while busy with one. */
export function presenceChangeOf(s: ReceptionistSnapshot): PresenceChange {
  const p = s.presence;
  return {
    receptionistId: s.id,
    at: s.presenceSince,
    state: p.kind,
    reason: p.kind === 'paused' ? p.reason : null,
    callId: p.kind === 'ringing' || p.kind === 'on-call' || p.kind === 'wrap-up' ? p.callId : null,
  };
}

/**
 * Feeds the presence history and the queue_log from what the call service applies. A snapshot
 * becomes a presence change only when the state, reason or call differs from the last one seen
 * (saves also happen for idle-since, missed offers, reachability). Nothing here throws into the
 * call path: the logs buffer and write behind it, and any error is logged.
 */
export class AnalyticsFeed implements CallAnalytics {
  private readonly last = new Map<string, PresenceChange>();

  constructor(
    private readonly deps: { presenceLog: PresenceLog; queueLog?: QueueLog | null; log: FeedLog },
  ) {}

  timeline(entry: TimelineEntry): void {
    try {
      this.deps.queueLog?.recordTimeline(entry);
    } catch (err) {
      this.deps.log.warn({ callId: entry.callId, kind: entry.kind, err: (err as Error).message }, 'queue_log mapping failed');
    }
  }

  receptionistSaved(snapshot: ReceptionistSnapshot): void {
    try {
      const change = presenceChangeOf(snapshot);
      const before = this.last.get(change.receptionistId);
      if (before && before.state === change.state && before.reason === change.reason && before.callId === change.callId) return;
      this.last.set(change.receptionistId, change);
      this.deps.presenceLog.appendPresence(change);
      this.deps.queueLog?.recordPresence(change);
    } catch (err) {
      this.deps.log.warn({ receptionistId: snapshot.id, err: (err as Error).message }, 'presence feed failed');
    }
  }

  async flush(): Promise<void> {
    await Promise.all([this.deps.presenceLog.flush(), this.deps.queueLog?.flush()]);
  }
}
