import type { Logger } from 'pino';
import { callbackCallId, parseCallbackChannelId, planRetry, type CallbackTicket } from '../domain/callbacks';
import type { TimelineEntry } from '../domain/messages';
import type { ClientProfile } from '../domain/model';
import type { ReceptionistSnapshot } from '../domain/receptionist';
import type { ConnectedCallback, Switchboard } from '../domain/switchboard';
import type { PbxBridge, PbxChannel } from '../ports/call-control';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { CallbackSettings } from './callback-flow';
import { callIdOfBridge } from './channel-ids';
import type { CallbackInProgress, KeptCallback } from './reconcile';

export interface CallbackRestoreDeps {
  /** Without callback settings there is nothing to restore. */
  settings?: CallbackSettings;
  directory: Directory;
  defaultClient: ClientProfile;
  clock: Clock;
  logger: Logger;
  /** The switchboard before the resync: what a reconnect restores from memory. */
  calls: () => Pick<Switchboard, 'pendingCallbacks' | 'connectedCallbacks'>;
  /** A timeline entry to the call log and analytics. */
  record: (entry: TimelineEntry) => void;
}

/** A callback not finished, as our stores (or memory) know it. */
export interface PendingForRestore {
  ticket: CallbackTicket;
  client: ClientProfile;
  state: 'scheduled' | 'queued' | 'dialing';
  dueAt: number;
  /** The attempt in progress may have placed a call (its outbox row exists): never dial it again. */
  sent: boolean;
}

/** A callback as our stores know it, for reconcile. */
export interface CallbackKnown {
  ticket: CallbackTicket;
  client: ClientProfile;
  /** The callee's answer is recorded. */
  answered: boolean;
  answeredAt: number | null;
  /** Its receptionist answered and it has not ended: reconcile decides whether it survives. */
  inProgress: boolean;
}

const alwaysOpen = () => ({ timeZone: 'UTC', hours: [], closures: [] });

/**
 * What a resync needs to restore callbacks: those not finished (PostgreSQL on start, memory on a
 * reconnect), those whose receptionist had answered (for reconcile), and what the switchboard
 * restores of each.
 */
export class CallbackRestore {
  constructor(private readonly deps: CallbackRestoreDeps) {}

  /** Callbacks not finished: from PostgreSQL on start, from memory on a reconnect. */
  async pendingCallbacks(firstTime: boolean): Promise<PendingForRestore[]> {
    const { settings } = this.deps;
    if (!settings) return [];
    if (!firstTime) return this.deps.calls().pendingCallbacks().map((p) => ({ ...p, sent: p.state === 'dialing' }));
    const now = this.deps.clock.now();
    const out: PendingForRestore[] = [];
    for (const row of await settings.store.pending()) {
      const client = await this.deps.directory.client(row.ticket.clientId).catch(() => null);
      if (!client) continue;
      const schedule = await settings.store.schedule(client.id, now).catch(alwaysOpen);
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
  restoreCallbacks(pending: PendingForRestore[], now: number): Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }> {
    const { settings } = this.deps;
    if (!settings) return [];
    const out: Array<{ ticket: CallbackTicket; client: ClientProfile; dueAt: number }> = [];
    for (const p of pending) {
      if (p.state === 'scheduled') out.push({ ticket: p.ticket, client: p.client, dueAt: p.dueAt });
      else if (p.state === 'queued' || !p.sent) out.push({ ticket: p.ticket, client: p.client, dueAt: now });
      else {
        const attempt = p.ticket.attempts;
        const plan = planRetry(attempt, now, settings.policy, p.ticket.schedule);
        this.deps.record({
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
  async callbacksInProgress(
    firstTime: boolean,
    pending: PendingForRestore[],
    receptionists: ReceptionistSnapshot[],
    channels: PbxChannel[],
    bridges: PbxBridge[],
  ): Promise<Map<string, CallbackKnown>> {
    const out = new Map<string, CallbackKnown>();
    const { settings } = this.deps;
    if (!settings) return out;
    if (!firstTime) {
      for (const c of this.deps.calls().connectedCallbacks()) {
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
      const schedule = await settings.store.schedule(client.id, now).catch(alwaysOpen);
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
  connectedCallback(k: KeptCallback, known: CallbackKnown | undefined, now: number): ConnectedCallback {
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
          schedule: alwaysOpen(),
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
}

/** What reconcile is told of the callbacks in progress: those whose receptionist answered and that have not ended. */
export function callbacksForReconcile(known: Map<string, CallbackKnown>): CallbackInProgress[] {
  return [...known.values()]
    .filter((c) => c.inProgress)
    .map((c) => ({ callbackId: c.ticket.id, attempt: c.ticket.attempts, answered: c.answered, answeredAt: c.answeredAt, enqueuedAt: c.ticket.enqueuedAt }));
}
