import pg from 'pg';
import type { Logger } from 'pino';
import type { TimelineEntry } from '../../domain/messages';
import type { CallLog, CallRecord } from '../../ports/call-log';
import { BatchWriter } from './batch-writer';

/**
 * The call log, written behind the call path: `append` only buffers; batches are written in
 * one round trip and one transaction whatever the batch size (BatchWriter). A failed batch is
 * retried with capped backoff; (call_id, seq) makes a retry a no-op.
 */
export class PostgresCallLog implements CallLog {
  private readonly writer: BatchWriter<TimelineEntry>;

  constructor(
    private readonly pool: pg.Pool,
    logger: Logger,
    batchMs = 20,
  ) {
    this.writer = new BatchWriter((batch) => this.write(batch.map(({ seq, item }) => ({ seq, entry: item }))), logger, 'call log', batchMs);
  }

  append(entry: TimelineEntry): void {
    // Sorts in append order within this process (ties on `at` are broken by seq).
    this.writer.push(entry);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  private async write(batch: Array<{ seq: string; entry: TimelineEntry }>): Promise<void> {
    const events = batch.map(({ seq, entry }) => ({ call_id: entry.callId, seq, at: new Date(entry.at).toISOString(), kind: entry.kind, data: entry }));
    const pick = <K extends TimelineEntry['kind']>(kind: K) =>
      batch.map((b) => b.entry).filter((e): e is Extract<TimelineEntry, { kind: K }> => e.kind === kind);
    const arrived = pick('arrived').map((e) => ({
      id: e.callId,
      client_id: e.clientId,
      did: e.did,
      caller_name: e.caller.name,
      caller_number: e.caller.number,
      arrived_at: new Date(e.at).toISOString(),
    }));
    const answered = pick('answered').map((e) => ({ id: e.callId, at: new Date(e.at).toISOString(), receptionist_id: e.receptionistId }));
    const voicemail = pick('voicemail-recorded').map((e) => ({ id: e.callId, recording: e.recording }));
    const ended = pick('ended').map((e) => ({ id: e.callId, at: new Date(e.at).toISOString(), outcome: e.outcome, wait_ms: e.waitMs }));

    // One round trip: a multi-statement simple query runs as one implicit transaction, each
    // statement seeing the one before (a call that arrives and ends within one batch gets both).
    // The JSON goes in as an escaped literal, since the simple protocol takes no parameters.
    const json = (rows: unknown[]) => `${pg.escapeLiteral(JSON.stringify(rows))}::jsonb`;
    const statements = [
      `INSERT INTO call_events (call_id, seq, at, kind, data)
       SELECT call_id, seq, at, kind, data FROM jsonb_to_recordset(${json(events)}) AS x(call_id text, seq text, at timestamptz, kind text, data jsonb)
       ON CONFLICT DO NOTHING`,
    ];
    if (arrived.length) {
      statements.push(`INSERT INTO calls (id, client_id, did, caller_name, caller_number, arrived_at)
       SELECT * FROM jsonb_to_recordset(${json(arrived)}) AS x(id text, client_id text, did text, caller_name text, caller_number text, arrived_at timestamptz)
       ON CONFLICT (id) DO NOTHING`);
    }
    if (answered.length) {
      statements.push(`UPDATE calls c SET answered_at = x.at, receptionist_id = x.receptionist_id
       FROM jsonb_to_recordset(${json(answered)}) AS x(id text, at timestamptz, receptionist_id text) WHERE c.id = x.id`);
    }
    if (voicemail.length) {
      statements.push(`UPDATE calls c SET voicemail_recording = x.recording
       FROM jsonb_to_recordset(${json(voicemail)}) AS x(id text, recording text) WHERE c.id = x.id`);
    }
    if (ended.length) {
      statements.push(`UPDATE calls c SET ended_at = x.at, outcome = x.outcome, wait_ms = x.wait_ms
       FROM jsonb_to_recordset(${json(ended)}) AS x(id text, at timestamptz, outcome text, wait_ms integer) WHERE c.id = x.id`);
    }
    await this.pool.query(statements.join(';\n'));
  }

  async call(id: string): Promise<CallRecord | null> {
    const records = await this.load('WHERE id = $1', [id]);
    return records[0] ?? null;
  }

  async recentCalls(opts: { limit: number; clientId?: string }): Promise<CallRecord[]> {
    return opts.clientId
      ? this.load('WHERE client_id = $2 ORDER BY arrived_at DESC LIMIT $1', [opts.limit, opts.clientId])
      : this.load('ORDER BY arrived_at DESC LIMIT $1', [opts.limit]);
  }

  private async load(where: string, params: unknown[]): Promise<CallRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM calls ${where}`, params);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id as string);
    const events = await this.pool.query('SELECT call_id, data FROM call_events WHERE call_id = ANY($1) ORDER BY at, seq', [ids]);
    const timelines = new Map<string, TimelineEntry[]>();
    for (const e of events.rows) {
      const list = timelines.get(e.call_id) ?? [];
      list.push(e.data as TimelineEntry);
      timelines.set(e.call_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      clientId: r.client_id,
      did: r.did,
      callerName: r.caller_name,
      callerNumber: r.caller_number,
      arrivedAt: r.arrived_at,
      answeredAt: r.answered_at,
      endedAt: r.ended_at,
      outcome: r.outcome,
      waitMs: r.wait_ms,
      receptionistId: r.receptionist_id,
      voicemailRecording: r.voicemail_recording,
      timeline: timelines.get(r.id) ?? [],
    }));
  }
}
