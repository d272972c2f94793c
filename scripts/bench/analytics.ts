import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/adapters/postgres/migrate';
import { PostgresAnalytics } from '../../src/adapters/postgres/analytics';

/**
 * Synthetic history written by SQL alone (generate_series): `calls` clients, receptionists and
 * timelines as the call log writes them, plus presence rows. Per 20 calls: 16 answered at the
 * first offer, 1 answered after a missed offer, 2 abandoned (one while ringing), 1 overflowed.
 * Calls are spread evenly over `days` from `start`; receptionist i % R takes call i, so with the
 * defaults nobody has two calls at once.
 */
export async function generateSyntheticHistory(
  client: pg.PoolClient | pg.Client,
  opts: { calls: number; start: Date; days: number; clients?: number; receptionists?: number },
): Promise<void> {
  const clients = opts.clients ?? 50;
  const receptionists = opts.receptionists ?? 100;
  const spanMs = opts.days * 86_400_000;
  const params = [opts.calls, opts.start.toISOString(), spanMs, clients, receptionists];
  await client.query(
    `CREATE TEMP TABLE synth ON COMMIT DROP AS
     SELECT i,
            'bench-' || i AS id,
            'client' || (i % $4::int) AS client_id,
            'rx' || (i % $5::int) AS rx,
            'rx' || ((i + 1) % $5::int) AS other_rx,
            i % 20 AS kind,
            $2::timestamptz + make_interval(secs => (i::float8 * $3::float8 / $1::int) / 1000) AS arrived,
            (1000 + (i::bigint * 7919) % 39000)::int AS wait_ms,
            (30000 + (i::bigint * 104729) % 180000)::int AS talk_ms
     FROM generate_series(0, $1::int - 1) AS i`,
    params,
  );
  // kind 0..15: answered; 16: missed then answered; 17: abandoned waiting; 18: abandoned ringing; 19: overflow.
  await client.query(`
    INSERT INTO calls (id, client_id, did, caller_name, caller_number, arrived_at, answered_at, ended_at, outcome, wait_ms, receptionist_id)
    SELECT id, client_id, '5035550100', 'Caller ' || i, '503555' || lpad((i % 10000)::text, 4, '0'), arrived,
           CASE WHEN kind <= 16 THEN arrived + make_interval(secs => wait_ms / 1000.0) END,
           arrived + make_interval(secs => (wait_ms + CASE WHEN kind <= 16 THEN talk_ms ELSE 0 END) / 1000.0),
           CASE WHEN kind <= 16 THEN 'completed' WHEN kind = 19 THEN 'voicemail' ELSE 'abandoned' END,
           wait_ms, CASE WHEN kind <= 16 THEN rx END
    FROM synth`);
  await client.query(`
    INSERT INTO call_events (call_id, seq, at, kind, data)
    SELECT s.id, e.seq, e.at, e.data->>'kind', e.data
    FROM synth s
    CROSS JOIN LATERAL (
      SELECT x.seq, x.at, jsonb_set(x.data, '{at}', to_jsonb((extract(epoch FROM x.at) * 1000)::bigint)) AS data
      FROM (VALUES
        ('1', s.arrived, jsonb_build_object('kind', 'arrived', 'callId', s.id, 'clientId', s.client_id, 'did', '5035550100',
              'caller', jsonb_build_object('name', 'Caller ' || s.i, 'number', '503555' || lpad((s.i % 10000)::text, 4, '0')), 'knownNumber', true)),
        ('2', CASE WHEN s.kind = 16 THEN s.arrived + interval '1 second' END,
              jsonb_build_object('kind', 'offered', 'callId', s.id, 'offerId', 'o1-' || s.id, 'receptionistId', s.other_rx)),
        ('3', CASE WHEN s.kind = 16 THEN s.arrived + interval '1 second' + make_interval(secs => 15) END,
              jsonb_build_object('kind', 'offer-ended', 'callId', s.id, 'offerId', 'o1-' || s.id, 'receptionistId', s.other_rx, 'outcome', 'no-answer')),
        ('4', CASE WHEN s.kind <= 16 OR s.kind = 18 THEN s.arrived + make_interval(secs => (s.wait_ms - 800) / 1000.0) END,
              jsonb_build_object('kind', 'offered', 'callId', s.id, 'offerId', 'o2-' || s.id, 'receptionistId', s.rx)),
        ('5', CASE WHEN s.kind <= 16 OR s.kind = 18 THEN s.arrived + make_interval(secs => s.wait_ms / 1000.0) END,
              jsonb_build_object('kind', 'offer-ended', 'callId', s.id, 'offerId', 'o2-' || s.id, 'receptionistId', s.rx,
                                 'outcome', CASE WHEN s.kind = 18 THEN 'cancelled' ELSE 'answered' END)),
        ('6', CASE WHEN s.kind <= 16 THEN s.arrived + make_interval(secs => s.wait_ms / 1000.0) END,
              jsonb_build_object('kind', 'answered', 'callId', s.id, 'receptionistId', s.rx, 'waitMs', s.wait_ms)),
        ('7', CASE WHEN s.kind = 19 THEN s.arrived + make_interval(secs => s.wait_ms / 1000.0) END,
              jsonb_build_object('kind', 'overflowed', 'callId', s.id, 'treatment', 'voicemail', 'reason', 'max-wait', 'waitMs', s.wait_ms)),
        ('8', s.arrived + make_interval(secs => (s.wait_ms + CASE WHEN s.kind <= 16 THEN s.talk_ms WHEN s.kind = 19 THEN 20000 ELSE 0 END) / 1000.0),
              jsonb_build_object('kind', 'ended', 'callId', s.id, 'waitMs', s.wait_ms,
                                 'outcome', CASE WHEN s.kind <= 16 THEN 'completed' WHEN s.kind = 19 THEN 'voicemail' ELSE 'abandoned' END,
                                 'endedBy', CASE WHEN s.kind = 19 THEN 'system' ELSE 'caller' END))
      ) AS x(seq, at, data)
      WHERE x.at IS NOT NULL
    ) AS e`);
  // Presence: on a call from the answer, wrap-up from the end for 5 s, then available.
  await client.query(`
    INSERT INTO receptionist_events (receptionist_id, seq, at, state, call_id)
    SELECT s.rx, s.id || '-' || p.n, p.at, p.state, p.call_id
    FROM synth s
    CROSS JOIN LATERAL (VALUES
      (1, s.arrived + make_interval(secs => s.wait_ms / 1000.0), 'on-call', s.id),
      (2, s.arrived + make_interval(secs => (s.wait_ms + s.talk_ms) / 1000.0), 'wrap-up', s.id),
      (3, s.arrived + make_interval(secs => (s.wait_ms + s.talk_ms + 5000) / 1000.0), 'available', NULL)
    ) AS p(n, at, state, call_id)
    WHERE s.kind <= 16`);
  // Everyone logged in (available) from the start.
  await client.query(
    `INSERT INTO receptionist_events (receptionist_id, seq, at, state)
     SELECT 'rx' || r, 'login', $1::timestamptz - interval '1 hour', 'available' FROM generate_series(0, $2::int - 1) AS r`,
    [opts.start.toISOString(), receptionists],
  );
}

/**
 * Seconds to roll up `calls` synthetic calls (about 33,000 a day, 50 clients, 100 receptionists)
 * from their timelines and presence into interval rows: a full `recomputeAnalytics` over the
 * whole range, in a throwaway schema that is dropped afterwards. Generating the data is not timed.
 */
export async function measureAnalyticsRollup(opts: { databaseUrl: string; calls: number }): Promise<number> {
  const schema = `bench_analytics_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.databaseUrl });
  await admin.connect();
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, options: `-c search_path=${schema}`, max: 4 });
  try {
    await migrate({ databaseUrl: opts.databaseUrl, schema });
    const days = Math.max(1, Math.ceil(opts.calls / 33_334));
    const start = new Date('2026-10-01T00:00:00Z');
    const db = await pool.connect();
    try {
      await db.query('BEGIN');
      await generateSyntheticHistory(db, { calls: opts.calls, start, days });
      await db.query('COMMIT');
      await db.query('ANALYZE');
    } finally {
      db.release();
    }
    const end = start.getTime() + days * 86_400_000;
    const analytics = new PostgresAnalytics(pool, () => end + 7 * 3_600_000);
    const began = process.hrtime.bigint();
    await analytics.recomputeAnalytics({ from: start.getTime(), to: end });
    return Number(process.hrtime.bigint() - began) / 1e9;
  } finally {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

// `npx tsx scripts/bench/analytics.ts [calls]` prints the figure.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/scripts\//, '/scripts/'))) {
  const calls = Number(process.argv[2] ?? 1_000_000);
  const seconds = await measureAnalyticsRollup({ databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', calls });
  process.stdout.write(JSON.stringify({ analytics_rollup_calls: calls, analytics_rollup_s: Number(seconds.toFixed(2)) }) + '\n');
}
