import type { AnalyticsTimelineEntry } from './call-facts';
import type { PresenceChange } from './presence';

/**
 * Asterisk app_queue's queue_log, from our timelines and presence changes, so tools that read
 * queue_log (QueueMetrics, Wazo stats, home-made reports) work unchanged. The layout of each
 * event's data fields follows app_queue.c; see docs/analytics.md.
 */
export interface QueueLogLine {
  /** ms since the epoch (the file shows whole seconds). */
  at: number;
  /** The caller's channel id (our call id); NONE or MANAGER for member events. */
  callId: string;
  /** The client id; NONE for events about no queue. */
  queue: string;
  /** The member: `Agent/<receptionistId>` (or the endpoint); NONE for caller events. */
  agent: string;
  event: string;
  data: string[];
}

/** `epoch|callid|queuename|agent|event|data1|data2|...`, as app_queue writes it (no newline). */
export function formatQueueLogLine(line: QueueLogLine): string {
  const clean = (s: string) => s.replace(/[|\r\n]/g, ' ');
  return [String(Math.floor(line.at / 1000)), line.callId, line.queue, line.agent, line.event, ...line.data].map(clean).join('|');
}

/** Whole seconds between two instants, as app_queue's `time(NULL) - start` gives them. */
function seconds(from: number, to: number): number {
  return Math.max(0, Math.floor(to / 1000) - Math.floor(from / 1000));
}

export interface QueueLogMapperDeps {
  /** The queue_log agent name of a receptionist (default `Agent/<id>`). */
  agentOf?: (receptionistId: string) => string;
  /**
   * The queues a receptionist is a member of (every client: one pool answers for all), for
   * ADDMEMBER / REMOVEMEMBER / PAUSE / UNPAUSE, which app_queue logs once per queue.
   */
  memberQueues: () => readonly string[];
}

interface CallInQueue {
  callId: string;
  queue: string;
  arrivedAt: number;
  origPosition: number;
  inQueue: boolean;
  offers: Map<string, { receptionistId: string; offeredAt: number }>;
  answered: { receptionistId: string; at: number; offerId: string | null; ringMs: number } | null;
  lastAnsweredOffer: { offerId: string; ringMs: number } | null;
  transferred: boolean;
}

/**
 * Stateful but pure: feed it timeline entries and presence changes in the order they happened;
 * it returns the queue_log lines each one causes. It tracks each queue's waiting callers to give
 * positions (1 = next), as app_queue does per queue. After a restart it knows nothing of calls
 * already in progress: their later lines carry 0 where the lost context was needed.
 */
export class QueueLogMapper {
  private readonly calls = new Map<string, CallInQueue>();
  private readonly presence = new Map<string, PresenceChange>();
  private readonly agentOf: (receptionistId: string) => string;

  constructor(private readonly deps: QueueLogMapperDeps) {
    this.agentOf = deps.agentOf ?? ((id) => `Agent/${id}`);
  }

  timeline(e: AnalyticsTimelineEntry): QueueLogLine[] {
    if (e.kind === 'arrived') {
      const position = this.waitingIn(e.clientId).length + 1;
      this.calls.set(e.callId, {
        callId: e.callId, queue: e.clientId, arrivedAt: e.at, origPosition: position, inQueue: true,
        offers: new Map(), answered: null, lastAnsweredOffer: null, transferred: false,
      });
      return [this.line(e.at, e.callId, e.clientId, 'NONE', 'ENTERQUEUE', ['', e.caller.number, String(position)])];
    }
    const call = this.calls.get(e.callId);
    if (!call) return [];
    switch (e.kind) {
      case 'offered':
        call.offers.set(e.offerId, { receptionistId: e.receptionistId, offeredAt: e.at });
        return [];
      case 'offer-ended': {
        const offer = call.offers.get(e.offerId);
        call.offers.delete(e.offerId);
        const ringMs = offer ? e.at - offer.offeredAt : 0;
        if (e.outcome === 'answered') {
          call.lastAnsweredOffer = { offerId: e.offerId, ringMs };
          return [];
        }
        const event = e.outcome === 'cancelled' ? 'RINGCANCELED' : 'RINGNOANSWER';
        return [this.line(e.at, call.callId, call.queue, this.agentOf(e.receptionistId), event, [String(ringMs)])];
      }
      case 'answered': {
        call.inQueue = false;
        const offer = call.lastAnsweredOffer;
        call.answered = { receptionistId: e.receptionistId, at: e.at, offerId: offer?.offerId ?? null, ringMs: offer?.ringMs ?? 0 };
        return [
          this.line(e.at, call.callId, call.queue, this.agentOf(e.receptionistId), 'CONNECT', [
            String(seconds(call.arrivedAt, e.at)),
            offer?.offerId ?? '',
            String(Math.floor((offer?.ringMs ?? 0) / 1000)),
          ]),
        ];
      }
      case 'overflowed': {
        const position = this.positionOf(call);
        call.inQueue = false;
        const event = e.reason === 'max-wait' ? 'EXITWITHTIMEOUT' : 'EXITEMPTY';
        return [this.line(e.at, call.callId, call.queue, 'NONE', event, [String(position), String(call.origPosition), String(seconds(call.arrivedAt, e.at))])];
      }
      case 'transferred': {
        if (!call.answered) return [];
        call.transferred = true;
        return [
          this.line(e.at, call.callId, call.queue, this.agentOf(call.answered.receptionistId), 'TRANSFER', [
            e.extension,
            e.context,
            String(seconds(call.arrivedAt, call.answered.at)),
            String(seconds(call.answered.at, e.at)),
            String(call.origPosition),
          ]),
        ];
      }
      case 'ended': {
        const lines: QueueLogLine[] = [];
        if (call.answered && !call.transferred) {
          const event = e.endedBy === 'caller' ? 'COMPLETECALLER' : 'COMPLETEAGENT';
          lines.push(
            this.line(e.at, call.callId, call.queue, this.agentOf(call.answered.receptionistId), event, [
              String(seconds(call.arrivedAt, call.answered.at)),
              String(seconds(call.answered.at, e.at)),
              String(call.origPosition),
            ]),
          );
        } else if (call.inQueue && e.outcome === 'abandoned') {
          lines.push(this.line(e.at, call.callId, call.queue, 'NONE', 'ABANDON', [String(this.positionOf(call)), String(call.origPosition), String(seconds(call.arrivedAt, e.at))]));
        }
        this.calls.delete(call.callId);
        return lines;
      }
      default:
        return [];
    }
  }

  presenceChanged(change: PresenceChange): QueueLogLine[] {
    const before = this.presence.get(change.receptionistId);
    this.presence.set(change.receptionistId, change);
    const wasIn = before !== undefined && before.state !== 'logged-out';
    const isIn = change.state !== 'logged-out';
    const wasPaused = before?.state === 'paused';
    const isPaused = change.state === 'paused';
    const agent = this.agentOf(change.receptionistId);
    const lines: QueueLogLine[] = [];
    for (const queue of this.deps.memberQueues()) {
      const add = (event: string, data: string) => lines.push(this.line(change.at, event.endsWith('MEMBER') ? 'MANAGER' : 'NONE', queue, agent, event, [data]));
      if (!wasIn && isIn) {
        add('ADDMEMBER', isPaused ? 'PAUSED' : '');
        if (isPaused) add('PAUSE', change.reason ?? '');
      } else if (wasIn && !isIn) {
        add('REMOVEMEMBER', '');
      } else if (isIn && isPaused && (!wasPaused || before?.reason !== change.reason)) {
        add('PAUSE', change.reason ?? '');
      } else if (isIn && wasPaused && !isPaused) {
        add('UNPAUSE', '');
      }
    }
    return lines;
  }

  private waitingIn(queue: string): CallInQueue[] {
    const list: CallInQueue[] = [];
    for (const c of this.calls.values()) if (c.queue === queue && c.inQueue) list.push(c);
    return list;
  }

  /** 1 + callers of the same queue waiting since before this one (a client's callers share a tier). */
  private positionOf(call: CallInQueue): number {
    let ahead = 0;
    for (const c of this.calls.values()) {
      if (c !== call && c.queue === call.queue && c.inQueue && (c.arrivedAt < call.arrivedAt || (c.arrivedAt === call.arrivedAt && c.callId < call.callId))) ahead += 1;
    }
    return ahead + 1;
  }

  private line(at: number, callId: string, queue: string, agent: string, event: string, data: string[]): QueueLogLine {
    return { at, callId, queue, agent, event, data };
  }
}

/** The lines of one whole call (no presence), e.g. to export or check a stored timeline. */
export function queueLogForCall(timeline: readonly AnalyticsTimelineEntry[], deps: Omit<QueueLogMapperDeps, 'memberQueues'> = {}): QueueLogLine[] {
  const mapper = new QueueLogMapper({ ...deps, memberQueues: () => [] });
  return timeline.flatMap((e) => mapper.timeline(e));
}
