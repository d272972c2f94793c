import { checkCallbackNumber, type CallbackStatus, type CallbackTicket, type NumberRules } from '../domain/callbacks';
import type { CallbackRecord, CallbackStore } from '../ports/callbacks';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { CallService } from './call-service';
import { newCallbackId } from './callback-flow';
import { cleanCallerText } from './channel-ids';

export type CallbackApiError = 'no-such-client' | 'invalid-number' | 'number-not-allowed' | 'no-such-callback' | 'callback-in-progress' | 'callback-finished';

export type ApiResult<T> = { ok: true; value: T } | { ok: false; code: CallbackApiError };

export interface ScheduleRequest {
  clientId: string;
  number: string;
  name?: string;
  note?: string;
  /** ms since the epoch; absent: as soon as the client is open. */
  notBefore?: number;
}

/** Callbacks as receptionists and clients see them through the API: schedule, read, cancel. */
export class CallbackApi {
  constructor(
    private readonly deps: { calls: CallService; store: CallbackStore; directory: Directory; clock: Clock; rules: NumberRules },
  ) {}

  async schedule(req: ScheduleRequest): Promise<ApiResult<CallbackRecord>> {
    const client = await this.deps.directory.client(req.clientId);
    if (!client) return { ok: false, code: 'no-such-client' };
    const check = checkCallbackNumber(req.number, this.deps.rules);
    if (!check.ok) return { ok: false, code: check.code };
    const now = this.deps.clock.now();
    const [schedule, did] = await Promise.all([this.deps.store.schedule(client.id, now), this.deps.store.clientNumber(client.id)]);
    const dueAt = Math.max(now, req.notBefore ?? now);
    const ticket: CallbackTicket = {
      id: newCallbackId(),
      clientId: client.id,
      number: check.number,
      name: cleanCallerText(req.name ?? '', 120),
      note: cleanCallerText(req.note ?? '', 1000),
      did: did ?? '',
      attempts: 0,
      // Its place in line: from when it is due (a scheduled callback does not jump the queue).
      enqueuedAt: dueAt,
      priorityTier: client.priorityTier,
      originalWaitMs: 0,
      originalCallId: null,
      schedule,
    };
    await this.deps.store.create(ticket, 'scheduled', dueAt, 'api');
    await this.deps.calls.scheduleCallback(ticket, client, dueAt);
    await this.deps.store.flush();
    const record = await this.deps.store.get(ticket.id);
    return record ? { ok: true, value: record } : { ok: false, code: 'no-such-callback' };
  }

  list(opts: { clientId?: string; status?: CallbackStatus; limit: number }): Promise<CallbackRecord[]> {
    return this.deps.store.list(opts);
  }

  /** With `clientId`, a callback of another client reads as absent (tenant scoping). */
  async get(id: string, clientId?: string): Promise<ApiResult<CallbackRecord>> {
    const record = await this.deps.store.get(id);
    if (!record || (clientId !== undefined && record.clientId !== clientId)) return { ok: false, code: 'no-such-callback' };
    return { ok: true, value: record };
  }

  async cancel(id: string, clientId?: string): Promise<ApiResult<CallbackRecord>> {
    const found = await this.get(id, clientId);
    if (!found.ok) return found;
    if (['completed', 'failed', 'cancelled'].includes(found.value.status)) return { ok: false, code: 'callback-finished' };
    const result = await this.deps.calls.cancelCallback(id);
    if (!result.ok) return { ok: false, code: result.code };
    await this.deps.store.flush();
    return this.get(id, clientId);
  }
}
