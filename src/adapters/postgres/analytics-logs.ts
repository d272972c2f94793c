import type pg from 'pg';
import type { Logger } from 'pino';
import { appendFile } from 'node:fs/promises';
import type { TimelineEntry } from '../../domain/messages';
import type { PresenceChange, PresenceLog, QueueLog } from '../../ports/analytics';
import { formatQueueLogLine, QueueLogMapper, type QueueLogLine } from '../../analytics';
import { BatchWriter } from './batch-writer';

/**
 * The logs the call server appends behind the call path: each receptionist's presence history
 * (what occupancy and utilisation are computed from) and the Asterisk-compatible queue_log.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** `receptionist_events`, appended behind the call path. */
export class PostgresPresenceLog implements PresenceLog {
  private readonly writer: BatchWriter<PresenceChange>;

  constructor(pool: pg.Pool, logger: Logger, batchMs?: number) {
    this.writer = new BatchWriter(
      async (batch) => {
        const rows = batch.map(({ seq, item }) => ({
          receptionist_id: item.receptionistId, seq, at: iso(item.at), state: item.state, reason: item.reason, call_id: item.callId,
        }));
        await pool.query(
          `INSERT INTO receptionist_events (receptionist_id, seq, at, state, reason, call_id)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(receptionist_id text, seq text, at timestamptz, state text, reason text, call_id text)
           ON CONFLICT DO NOTHING`,
          [JSON.stringify(rows)],
        );
      },
      logger,
      'presence log',
      batchMs,
    );
  }

  appendPresence(change: PresenceChange): void {
    this.writer.push(change);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

/**
 * queue_log: maps what happens to app_queue lines (pure mapper) and writes them to the
 * `queue_log` table and, when a path is given, appends them to that file (one write per batch,
 * after the table, so a retried batch never writes the file twice for lines it already has).
 * The file lives here rather than in its own adapter because each line goes to both together.
 */
export class PostgresQueueLog implements QueueLog {
  private readonly writer: BatchWriter<QueueLogLine>;
  private readonly mapper: QueueLogMapper;

  constructor(opts: {
    pool: pg.Pool;
    logger: Logger;
    filePath?: string | null;
    memberQueues: () => readonly string[];
    agentOf?: (receptionistId: string) => string;
    batchMs?: number;
  }) {
    this.mapper = new QueueLogMapper({ memberQueues: opts.memberQueues, agentOf: opts.agentOf });
    let fileWrittenUpTo = '';
    this.writer = new BatchWriter(
      async (batch) => {
        const rows = batch.map(({ seq, item }) => {
          const d = [...item.data, '', '', '', '', ''];
          return { seq, time: iso(item.at), callid: item.callId, queuename: item.queue, agent: item.agent, event: item.event, data: item.data.join('|'), data1: d[0], data2: d[1], data3: d[2], data4: d[3], data5: d[4] };
        });
        await opts.pool.query(
          `INSERT INTO queue_log (seq, time, callid, queuename, agent, event, data, data1, data2, data3, data4, data5)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(seq text, time timestamptz, callid text, queuename text, agent text, event text,
             data text, data1 text, data2 text, data3 text, data4 text, data5 text)
           ON CONFLICT (seq) DO NOTHING`,
          [JSON.stringify(rows)],
        );
        if (opts.filePath) {
          const fresh = batch.filter((b) => b.seq > fileWrittenUpTo);
          if (fresh.length) {
            await appendFile(opts.filePath, fresh.map((b) => formatQueueLogLine(b.item) + '\n').join(''));
            fileWrittenUpTo = fresh[fresh.length - 1].seq;
          }
        }
      },
      opts.logger,
      'queue_log',
      opts.batchMs,
    );
  }

  recordTimeline(entry: TimelineEntry): void {
    for (const line of this.mapper.timeline(entry)) this.writer.push(line);
  }

  recordPresence(change: PresenceChange): void {
    for (const line of this.mapper.presenceChanged(change)) this.writer.push(line);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}
