import pg from 'pg';
import type { Logger } from 'pino';
import type { PresenceChange, QueueLog } from '../../ports/analytics';
import {
  billClient,
  DEFAULT_BILLING_RULE,
  DEFAULT_ROLL_UP_OPTIONS,
  FIGURE_FIELDS,
  INTERVAL_MS,
  intervalStartOf,
  rollUpWindow,
  windowsOfIntervals,
  alignedWindows,
  callFactsFromTimeline,
  type AnalyticsStore,
  type AnalyticsTimelineEntry,
  type BillingRule,
  type CallDisposition,
  type CallFacts,
  type ClientBill,
  type IntervalFigures,
  type RollUpOptions,
  type RollUpReport,
  type ScopeKey,
  AnalyticsFeed,
} from '../../analytics';
import { PostgresPresenceLog, PostgresQueueLog } from './analytics-logs';

/** The append-only logs the call server writes (presence history, queue_log). */
export { PostgresPresenceLog, PostgresQueueLog };

const iso = (ms: number) => new Date(ms).toISOString();

// ---- roll-ups ------------------------------------------------------------------------------

export interface AnalyticsConfig extends RollUpOptions {
  /** How far past a window presence is read, to close the wrap-ups of its calls. Default 6 h. */
  lookaheadMs: number;
  /** The incremental run re-reads rows written this long before its last run (slow writers). Default 60 s. */
  overlapMs: number;
  /** Intervals per window (one transaction each) in a recompute. Default 96 (a day). */
  windowIntervals: number;
  /**
   * Windows a recompute works on at once, each on its own connection (the pool needs one more
   * for the lock). Default 2: the database computes one window while node rolls up another.
   */
  recomputeConcurrency: number;
  billing: BillingRule;
}

export const DEFAULT_ANALYTICS_CONFIG: AnalyticsConfig = {
  ...DEFAULT_ROLL_UP_OPTIONS,
  lookaheadMs: 6 * 3_600_000,
  overlapMs: 60_000,
  windowIntervals: 96,
  recomputeConcurrency: 2,
  billing: DEFAULT_BILLING_RULE,
};

const LOCK_KEY = 'switchboard-analytics';


const COLUMN_OF: Record<string, string> = Object.fromEntries(
  FIGURE_FIELDS.map((f) => [f, f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);
COLUMN_OF.scope = 'scope';
const STORED_FIELDS = FIGURE_FIELDS.filter((f) => f !== 'intervalStart');

/** Interval roll-ups, billing and dispositions on PostgreSQL; the figures come from src/analytics. */
export class PostgresAnalytics implements AnalyticsStore {
  readonly options: RollUpOptions;
  private readonly config: AnalyticsConfig;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number = Date.now,
    config: Partial<AnalyticsConfig> = {},
  ) {
    this.config = { ...DEFAULT_ANALYTICS_CONFIG, ...config };
    this.options = { serviceLevelSeconds: this.config.serviceLevelSeconds, shortAbandonSeconds: this.config.shortAbandonSeconds };
  }

  async recomputeAnalytics(range: { from: number; to: number }): Promise<RollUpReport> {
    const report: RollUpReport = { windows: 0, intervals: 0, calls: 0, rows: 0 };
    const asOf = this.now();
    const windows = alignedWindows(range.from, range.to, this.config.windowIntervals);
    // One lock for the whole run, held by a connection of its own, so the windows can be
    // recomputed side by side (each in its own transaction) while no other run interleaves.
    const lock = await this.pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
      try {
        const poolMax = (this.pool as unknown as { options?: { max?: number } }).options?.max ?? 10;
        const lanes = Math.max(1, Math.min(this.config.recomputeConcurrency, poolMax - 1, windows.length));
        let next = 0;
        const results = await Promise.allSettled(
          Array.from({ length: lanes }, async () => {
            while (next < windows.length) {
              const w = windows[next++];
              try {
                await this.inTransaction({ lock: false }, async (db) => this.add(report, await this.recomputeWindow(db, w.from, w.to, asOf)));
              } catch (err) {
                next = windows.length; // the other lanes stop after their current window
                throw err;
              }
            }
          }),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
      }
    } finally {
      lock.release();
    }
    return report;
  }

  async rollUpSinceLastRun(): Promise<RollUpReport> {
    const report: RollUpReport = { windows: 0, intervals: 0, calls: 0, rows: 0 };
    await this.inTransaction({ lock: true }, async (db) => {
      const mark = await db.query('SELECT recorded_upto, as_of, clock_timestamp() AS started FROM analytics_watermark');
      const { recorded_upto: recordedUpto, as_of: lastAsOf, started } = mark.rows[0] as { recorded_upto: Date | null; as_of: Date | null; started: Date };
      const asOf = this.now();
      const starts = new Set<number>();
      if (!recordedUpto || !lastAsOf) {
        const first = await db.query(
          `SELECT LEAST((SELECT min(arrived_at) FROM calls), (SELECT min(at) FROM receptionist_events)) AS first`,
        );
        const firstAt = (first.rows[0].first as Date | null)?.getTime();
        if (firstAt !== undefined) for (let s = intervalStartOf(firstAt); s <= intervalStartOf(asOf); s += INTERVAL_MS) starts.add(s);
      } else {
        const since = new Date(recordedUpto.getTime() - this.config.overlapMs);
        const calls = await db.query(
          `SELECT DISTINCT c.arrived_at FROM calls c WHERE c.id IN (SELECT call_id FROM call_events WHERE recorded_at >= $1)
           UNION
           SELECT DISTINCT c.arrived_at FROM receptionist_events r
             LEFT JOIN LATERAL (SELECT p.call_id FROM receptionist_events p WHERE p.receptionist_id = r.receptionist_id AND (p.at, p.seq) < (r.at, r.seq)
                                ORDER BY p.at DESC, p.seq DESC LIMIT 1) prev ON true
             JOIN calls c ON c.id = r.call_id OR c.id = prev.call_id
           WHERE r.recorded_at >= $1`,
          [since],
        );
        for (const r of calls.rows) starts.add(intervalStartOf((r.arrived_at as Date).getTime()));
        const presence = await db.query('SELECT min(at) AS first FROM receptionist_events WHERE recorded_at >= $1', [since]);
        const firstChange = (presence.rows[0].first as Date | null)?.getTime() ?? Infinity;
        // Time passing changes the open spans of the intervals since the last run.
        for (let s = intervalStartOf(Math.min(lastAsOf.getTime(), firstChange)); s <= intervalStartOf(asOf); s += INTERVAL_MS) starts.add(s);
      }
      for (const w of windowsOfIntervals(starts, this.config.windowIntervals)) this.add(report, await this.recomputeWindow(db, w.from, w.to, asOf));
      await db.query('UPDATE analytics_watermark SET recorded_upto = $1, as_of = $2', [started, new Date(asOf)]);
    });
    return report;
  }

  async intervals(query: { from: number; to: number; scope: ScopeKey }): Promise<IntervalFigures[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM analytics_intervals WHERE scope = $1 AND interval_start >= $2 AND interval_start < $3 ORDER BY interval_start`,
      [query.scope, new Date(query.from), new Date(query.to)],
    );
    return rows.map((r) => {
      const figures = { intervalStart: (r.interval_start as Date).getTime() } as Record<string, unknown>;
      for (const f of STORED_FIELDS) figures[f] = f === 'scope' ? r.scope : Number(r[COLUMN_OF[f]]);
      return figures as unknown as IntervalFigures;
    });
  }

  async bill(query: { clientId: string; from: number; to: number; rule?: BillingRule }): Promise<ClientBill> {
    const asOf = this.now();
    const timelines = await this.pool.query(
      `SELECT c.id, (SELECT jsonb_agg(e.data ORDER BY e.at, e.seq) FROM call_events e WHERE e.call_id = c.id) AS timeline
       FROM calls c WHERE c.client_id = $1 AND c.arrived_at >= $2 AND c.arrived_at < $3`,
      [query.clientId, new Date(query.from), new Date(query.to)],
    );
    const calls: CallFacts[] = [];
    for (const r of timelines.rows) {
      const facts = callFactsFromTimeline((r.timeline ?? []) as AnalyticsTimelineEntry[]);
      if (facts) calls.push(facts);
    }
    const ids = calls.map((c) => c.callId);
    const presence = await this.pool.query(
      `SELECT r.receptionist_id, r.at, r.state, r.reason, r.call_id, next.at AS next_at
       FROM receptionist_events r
       LEFT JOIN LATERAL (SELECT n.at FROM receptionist_events n WHERE n.receptionist_id = r.receptionist_id AND (n.at, n.seq) > (r.at, r.seq)
                          ORDER BY n.at, n.seq LIMIT 1) next ON true
       WHERE r.call_id = ANY($1) AND r.state = 'wrap-up'`,
      [ids],
    );
    // A wrap-up lasts until the receptionist's next change (or now, if still in it).
    const wrapUpMsByCall = new Map<string, number>();
    for (const r of presence.rows) {
      const ms = ((r.next_at as Date | null)?.getTime() ?? asOf) - (r.at as Date).getTime();
      wrapUpMsByCall.set(r.call_id, (wrapUpMsByCall.get(r.call_id) ?? 0) + Math.max(0, ms));
    }
    const marks = await this.pool.query('SELECT call_id, disposition FROM call_dispositions WHERE call_id = ANY($1)', [ids]);
    return billClient({
      clientId: query.clientId,
      from: query.from,
      to: query.to,
      calls,
      wrapUpMsByCall,
      dispositions: new Map(marks.rows.map((m) => [m.call_id as string, m.disposition as CallDisposition])),
      rule: query.rule ?? this.config.billing,
    });
  }

  async markDisposition(callId: string, disposition: CallDisposition | null, markedBy: string): Promise<void> {
    if (disposition === null) {
      await this.pool.query('DELETE FROM call_dispositions WHERE call_id = $1', [callId]);
      return;
    }
    await this.pool.query(
      `INSERT INTO call_dispositions (call_id, disposition, marked_by) VALUES ($1, $2, $3)
       ON CONFLICT (call_id) DO UPDATE SET disposition = EXCLUDED.disposition, marked_by = EXCLUDED.marked_by, marked_at = now()`,
      [callId, disposition, markedBy],
    );
  }

  /** Replaces the rows of [from, to) with figures recomputed from the timelines and presence. */
  private async recomputeWindow(db: pg.PoolClient, from: number, to: number, asOf: number): Promise<RollUpReport> {
    // Each call's timeline as one text of JSON objects, in logged order (at, then seq): far
    // less for node to read than a row per event, and cheaper than jsonb_agg.
    const events = await db.query({
      text: `SELECT (SELECT string_agg(e.data::text, ',' ORDER BY e.at, e.seq) FROM call_events e WHERE e.call_id = c.id)
             FROM calls c WHERE c.arrived_at >= $1 AND c.arrived_at < $2`,
      values: [new Date(from), new Date(to)],
      rowMode: 'array',
    });
    const timelines = (events.rows as Array<[string | null]>).map((r) => (r[0] === null ? [] : (JSON.parse(`[${r[0]}]`) as AnalyticsTimelineEntry[])));
    // Each receptionist's last change before the window (a loose index scan over the ids), then
    // every change from the window's start to past its end: one JSON array per receptionist.
    const presence = await db.query({
      text: `WITH RECURSIVE ids AS (
         (SELECT receptionist_id FROM receptionist_events ORDER BY receptionist_id LIMIT 1)
         UNION ALL
         SELECT (SELECT r.receptionist_id FROM receptionist_events r WHERE r.receptionist_id > ids.receptionist_id ORDER BY r.receptionist_id LIMIT 1)
         FROM ids WHERE ids.receptionist_id IS NOT NULL
       )
       SELECT receptionist_id, json_agg(json_build_array(floor(extract(epoch FROM at) * 1000)::bigint, state, reason, call_id) ORDER BY at, seq)::text FROM (
         SELECT last.* FROM ids CROSS JOIN LATERAL (
           SELECT e.receptionist_id, e.at, e.seq, e.state, e.reason, e.call_id FROM receptionist_events e
           WHERE e.receptionist_id = ids.receptionist_id AND e.at < $1 ORDER BY e.at DESC, e.seq DESC LIMIT 1) last
         UNION ALL
         SELECT receptionist_id, at, seq, state, reason, call_id FROM receptionist_events WHERE at >= $1 AND at < $2
       ) x GROUP BY receptionist_id`,
      values: [new Date(from), new Date(to + this.config.lookaheadMs)],
      rowMode: 'array',
    });
    const changes: PresenceChange[] = [];
    for (const [receptionistId, list] of presence.rows as Array<[string, string]>) {
      for (const [at, state, reason, callId] of JSON.parse(list) as Array<[number, PresenceChange['state'], string | null, string | null]>) {
        changes.push({ receptionistId, at, state, reason, callId });
      }
    }
    const rows = rollUpWindow({ timelines, presence: changes, from, to, asOf: Math.min(asOf, to + this.config.lookaheadMs) }, this.options);
    await db.query('DELETE FROM analytics_intervals WHERE interval_start >= $1 AND interval_start < $2', [new Date(from), new Date(to)]);
    for (let i = 0; i < rows.length; i += 5000) await this.insertRows(db, rows.slice(i, i + 5000));
    return { windows: 1, intervals: (to - from) / INTERVAL_MS, calls: timelines.length, rows: rows.length };
  }

  private async insertRows(db: pg.PoolClient, rows: IntervalFigures[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = ['interval_start', ...STORED_FIELDS.map((f) => COLUMN_OF[f])];
    const types = ['timestamptz', ...STORED_FIELDS.map((f) => (f === 'scope' ? 'text' : f.endsWith('Ms') ? 'bigint' : 'integer'))];
    // One array per column (unnest): far less to build and parse than a JSON document of rows.
    // Array literals built here: node-pg's generic array escaping costs more than the insert.
    const quoted = (values: string[]) => `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
    const numbers = (values: number[]) => `{${values.map((v) => (Number.isFinite(v) ? String(v) : 'NULL')).join(',')}}`;
    const arrays: string[] = [
      quoted(rows.map((r) => iso(r.intervalStart))),
      ...STORED_FIELDS.map((f) => (f === 'scope' ? quoted(rows.map((r) => r.scope)) : numbers(rows.map((r) => r[f] as number)))),
    ];
    await db.query(
      `INSERT INTO analytics_intervals (${columns.join(', ')})
       SELECT * FROM unnest(${columns.map((_c, i) => `$${i + 1}::${types[i]}[]`).join(', ')})`,
      arrays,
    );
  }

  /**
   * A REPEATABLE READ transaction. With `lock`, the run's advisory lock is taken first, on the
   * session, so the transaction's snapshot is taken after the lock is held: taken inside it, the
   * snapshot would predate the commits of the run it waited for, and its delete would fail.
   */
  private async inTransaction(opts: { lock: boolean }, work: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    const db = await this.pool.connect();
    let broken: Error | undefined;
    try {
      if (opts.lock) await db.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
      await this.inOpenTransaction(db, work).finally(async () => {
        if (opts.lock) await db.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch((err: Error) => (broken = err));
      });
    } finally {
      // A connection that could not unlock is closed, which drops its lock.
      db.release(broken);
    }
  }

  private async inOpenTransaction(db: pg.PoolClient, work: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    try {
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await db.query("SET LOCAL work_mem = '64MB'");
      // Short queries run once per window: compiling them costs more than it saves.
      await db.query('SET LOCAL jit = off');
      // Derived rows, recomputable: a crash may lose the last commit whole (never half of it,
      // and the watermark goes with its rows), so the commit need not wait for the disk.
      await db.query('SET LOCAL synchronous_commit = off');
      await work(db);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private add(total: RollUpReport, part: RollUpReport): void {
    total.windows += part.windows;
    total.intervals += part.intervals;
    total.calls += part.calls;
    total.rows += part.rows;
  }
}

/** The analytics adapters on one pool. */
export function createPostgresAnalytics(opts: {
  pool: pg.Pool;
  logger: Logger;
  now?: () => number;
  config?: Partial<AnalyticsConfig>;
  queueLogFile?: string | null;
  memberQueues: () => readonly string[];
  agentOf?: (receptionistId: string) => string;
}): { analytics: PostgresAnalytics; presenceLog: PostgresPresenceLog; queueLog: PostgresQueueLog } {
  return {
    analytics: new PostgresAnalytics(opts.pool, opts.now, opts.config),
    presenceLog: new PostgresPresenceLog(opts.pool, opts.logger),
    queueLog: new PostgresQueueLog({ pool: opts.pool, logger: opts.logger, filePath: opts.queueLogFile, memberQueues: opts.memberQueues, agentOf: opts.agentOf }),
  };
}

/**
 * The call server's analytics feed on PostgreSQL: presence history and queue_log (table, and the
 * file when a path is given), behind the call path. queue_log member events go to every client's
 * queue (and `default`); the client list and receptionists' endpoints are read at start and
 * refreshed every `refreshMs`, and a call for a client not in the list adds it at once.
 */
export async function openCallAnalyticsFeed(opts: {
  pool: pg.Pool;
  logger: Logger;
  queueLogFile?: string | null;
  /** `agent`: `Agent/<id>`; `endpoint`: the receptionist's dial string. */
  agent?: 'agent' | 'endpoint';
  refreshMs?: number;
}): Promise<{ feed: AnalyticsFeed; close(): Promise<void> }> {
  let queues: string[] = ['default'];
  let endpoints = new Map<string, string>();
  const refresh = async () => {
    try {
      const [clients, people] = await Promise.all([
        opts.pool.query('SELECT id FROM clients ORDER BY id'),
        opts.pool.query('SELECT id, endpoint FROM receptionists'),
      ]);
      queues = [...new Set(['default', ...clients.rows.map((r) => r.id as string)])];
      endpoints = new Map(people.rows.map((r) => [r.id as string, r.endpoint as string]));
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'could not read clients for queue_log; keeping the last list');
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), opts.refreshMs ?? 60_000);
  timer.unref();
  const presenceLog = new PostgresPresenceLog(opts.pool, opts.logger);
  const queueLog = new PostgresQueueLog({
    pool: opts.pool,
    logger: opts.logger,
    filePath: opts.queueLogFile || null,
    memberQueues: () => queues,
    agentOf: opts.agent === 'endpoint' ? (id) => endpoints.get(id) ?? `Agent/${id}` : undefined,
  });
  // A call for a client the list does not have yet (added since the last read) adds its queue.
  const queueLogLearning: QueueLog = {
    recordTimeline(entry) {
      if (entry.kind === 'arrived' && !queues.includes(entry.clientId)) queues = [...queues, entry.clientId];
      queueLog.recordTimeline(entry);
    },
    recordPresence: (change) => queueLog.recordPresence(change),
    flush: () => queueLog.flush(),
  };
  const feed = new AnalyticsFeed({ presenceLog, queueLog: queueLogLearning, log: opts.logger });
  return {
    feed,
    async close() {
      clearInterval(timer);
      await feed.flush();
    },
  };
}

/** A pool of its own for analytics (the worker's roll-up job, the CLI's recompute). */
export function openAnalytics(opts: { databaseUrl: string; schema?: string; poolSize?: number; config?: Partial<AnalyticsConfig>; logger: Logger; now?: () => number }): {
  analytics: PostgresAnalytics;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    max: opts.poolSize ?? 3,
    connectionTimeoutMillis: 5000,
  });
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  return { analytics: new PostgresAnalytics(pool, opts.now, opts.config), close: () => pool.end() };
}
