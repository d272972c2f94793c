import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/adapters/postgres/migrate';
import { PostgresCallLog } from '../../src/adapters/postgres/call-log';
import { PostgresAnalytics, PostgresPresenceLog } from '../../src/adapters/postgres/analytics';
import type { TimelineEntry } from '../../src/domain/messages';
import { presence, T, timelines } from './fixture';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: 'silent' });

describe('recompute in several windows at once', () => {
  const schema = `an_lanes_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;

  beforeAll(async () => {
    await migrate({ databaseUrl: DATABASE_URL, schema });
    pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 5 });
    const callLog = new PostgresCallLog(pool, logger, 1);
    for (const t of Object.values(timelines)) for (const e of t) callLog.append(e as TimelineEntry);
    await callLog.flush();
    const presenceLog = new PostgresPresenceLog(pool, logger, 1);
    for (const c of presence) presenceLog.appendPresence(c);
    await presenceLog.flush();
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  // The fixture's range only: the first incremental run also fills the intervals before it.
  const rows = async () =>
    (await pool.query("SELECT * FROM analytics_intervals WHERE interval_start >= '2026-11-23T10:00:00Z' AND interval_start < '2026-11-23T10:45:00Z' ORDER BY interval_start, scope")).rows.map(
      ({ computed_at: _c, ...r }) => r,
    );

  it('given one-interval windows when recomputed by three lanes then the rows equal one lane\'s, and a roll-up waits for the run', async () => {
    const range = { from: T('10:00:00'), to: T('10:45:00') };
    await new PostgresAnalytics(pool, () => T('10:45:00'), { windowIntervals: 1, recomputeConcurrency: 1 }).recomputeAnalytics(range);
    const one = await rows();
    expect(one.length).toBeGreaterThan(5);
    const three = new PostgresAnalytics(pool, () => T('10:45:00'), { windowIntervals: 1, recomputeConcurrency: 3 });
    const [report] = await Promise.all([three.recomputeAnalytics(range), three.rollUpSinceLastRun()]);
    expect(report).toMatchObject({ windows: 3, intervals: 3, calls: 8 });
    await three.recomputeAnalytics(range);
    expect(await rows()).toEqual(one);
  });
});
