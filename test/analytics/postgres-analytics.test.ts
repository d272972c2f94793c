import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/adapters/postgres/migrate';
import { PostgresCallLog } from '../../src/adapters/postgres/call-log';
import { PostgresAnalytics, PostgresPresenceLog, PostgresQueueLog } from '../../src/adapters/postgres/analytics';
import { intervalsCsv, rollUpWindow } from '../../src/analytics';
import type { TimelineEntry } from '../../src/domain/messages';
import { presence, T, timelines } from './fixture';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const logger = pino({ level: 'silent' });
const NOW = T('10:45:00');

/** A fresh schema with the migrations applied, and its pool. */
async function freshSchema(): Promise<{ schema: string; pool: pg.Pool }> {
  const schema = `an_${randomBytes(4).toString('hex')}`;
  await migrate({ databaseUrl: DATABASE_URL, schema });
  const pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 4 });
  return { schema, pool };
}

async function dropSchema(schema: string, pool: pg.Pool): Promise<void> {
  await pool.end();
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}

async function storedRows(pool: pg.Pool): Promise<unknown[]> {
  const { rows } = await pool.query('SELECT * FROM analytics_intervals ORDER BY interval_start, scope');
  return rows.map(({ computed_at: _computedAt, ...rest }) => rest);
}

async function append(pool: pg.Pool, callIds: string[], presenceUpTo: number): Promise<void> {
  const callLog = new PostgresCallLog(pool, logger, 1);
  for (const id of callIds) for (const e of timelines[id]) callLog.append(e as TimelineEntry);
  await callLog.flush();
  const presenceLog = new PostgresPresenceLog(pool, logger, 1);
  for (const c of presence) if (c.at < presenceUpTo) presenceLog.appendPresence(c);
  await presenceLog.flush();
}

describe('analytics on PostgreSQL', () => {
  let db: { schema: string; pool: pg.Pool };
  let analytics: PostgresAnalytics;

  beforeAll(async () => {
    db = await freshSchema();
    analytics = new PostgresAnalytics(db.pool, () => NOW);
    await append(db.pool, Object.keys(timelines), Infinity);
  });

  afterAll(async () => {
    await dropSchema(db.schema, db.pool);
  });

  it('given the fixture morning when a window is recomputed twice then the stored rows are identical, and equal the pure roll-up', async () => {
    await analytics.recomputeAnalytics({ from: T('10:00:00'), to: T('10:45:00') });
    const first = await storedRows(db.pool);
    await analytics.recomputeAnalytics({ from: T('10:00:00'), to: T('10:45:00') });
    expect(await storedRows(db.pool)).toEqual(first);
    expect(first.length).toBeGreaterThan(5);

    const expected = rollUpWindow(
      { timelines: Object.values(timelines), presence, from: T('10:00:00'), to: T('10:45:00'), asOf: NOW },
      analytics.options,
    );
    for (const scope of ['company', 'client:acme', 'client:zen', 'receptionist:rx1', 'receptionist:rx2', 'receptionist:rx3'] as const) {
      expect(await analytics.intervals({ from: T('10:00:00'), to: T('10:45:00'), scope })).toEqual(expected.filter((r) => r.scope === scope));
    }
  });

  it('given stored rows then they read back as CSV with one line per interval', async () => {
    const csv = intervalsCsv(await analytics.intervals({ from: T('10:00:00'), to: T('10:45:00'), scope: 'company' }));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 3);
    expect(lines[1]).toMatch(/^2026-11-23T10:00:00\.000Z,company,20,8,7,5,3,2,1,1,0,1,1,90001,25000,631000,/);
  });

  it('given calls marked spam or wrong number then the bill leaves them out; unmarking puts them back', async () => {
    const period = { clientId: 'acme', from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) };
    expect((await analytics.bill(period)).billableSeconds).toBe(660);
    await analytics.markDisposition('c4', 'spam', 'sam');
    expect((await analytics.bill(period)).billableSeconds).toBe(540);
    expect((await analytics.bill({ ...period, rule: { roundingSeconds: 30, minimumSeconds: 0, includeHold: true, includeWrapUp: true } })).billableSeconds).toBe(750 - 150);
    await analytics.markDisposition('c4', null, 'sam');
    expect((await analytics.bill(period)).billableSeconds).toBe(660);
  });
});

describe('incremental roll-up on PostgreSQL', () => {
  let db: { schema: string; pool: pg.Pool };

  beforeAll(async () => {
    db = await freshSchema();
  });

  afterAll(async () => {
    await dropSchema(db.schema, db.pool);
  });

  it('given history arriving in three parts, rolled up after each, then the rows equal a full recompute', async () => {
    let now = T('10:05:00');
    const analytics = new PostgresAnalytics(db.pool, () => now);
    await append(db.pool, ['c2', 'c3'], T('10:05:00'));
    await analytics.rollUpSinceLastRun();
    now = T('10:13:00');
    await append(db.pool, ['c4', 'c5', 'c6', 'c7', 'c8'], T('10:13:00'));
    await analytics.rollUpSinceLastRun();
    now = NOW;
    // c1 and the rest of the presence, including a late change written after its time.
    const late = new PostgresCallLog(db.pool, logger, 1);
    for (const e of timelines.c1) late.append(e as TimelineEntry);
    await late.flush();
    const presenceLog = new PostgresPresenceLog(db.pool, logger, 1);
    for (const c of presence) if (c.at >= T('10:13:00')) presenceLog.appendPresence(c);
    await presenceLog.flush();
    const report = await analytics.rollUpSinceLastRun();
    expect(report.calls).toBeGreaterThan(0);
    const incremental = await storedRows(db.pool);

    await analytics.recomputeAnalytics({ from: T('10:00:00'), to: T('10:45:00') });
    expect(await storedRows(db.pool)).toEqual(incremental);
    await analytics.rollUpSinceLastRun();
    expect(await storedRows(db.pool)).toEqual(incremental);
  });
});

describe('queue_log writer', () => {
  let db: { schema: string; pool: pg.Pool };
  let dir: string;

  beforeAll(async () => {
    db = await freshSchema();
    dir = await mkdtemp(path.join(tmpdir(), 'queue-log-'));
  });

  afterAll(async () => {
    await dropSchema(db.schema, db.pool);
    await rm(dir, { recursive: true, force: true });
  });

  it('given a call and a login when recorded then the file has app_queue lines and the table the same fields', async () => {
    const file = path.join(dir, 'queue_log');
    const queueLog = new PostgresQueueLog({ pool: db.pool, logger, filePath: file, memberQueues: () => ['acme'], batchMs: 1 });
    queueLog.recordPresence({ receptionistId: 'rx1', at: T('09:55:00'), state: 'available', reason: null, callId: null });
    for (const e of timelines.c8) queueLog.recordTimeline(e as TimelineEntry);
    await queueLog.flush();
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      `${T('09:55:00') / 1000}|MANAGER|acme|Agent/rx1|ADDMEMBER|`,
      '1795428600|c8|acme|NONE|ENTERQUEUE||5035551234|1',
      '1795428616|c8|acme|Agent/rx2|RINGNOANSWER|15000',
      '1795428625|c8|acme|Agent/rx1|CONNECT|25|o8b|9',
      '1795428745|c8|acme|Agent/rx1|COMPLETECALLER|25|120|1',
      '',
    ]);
    const { rows } = await db.pool.query('SELECT extract(epoch FROM time)::bigint AS epoch, callid, queuename, agent, event, data, data1, data2, data3 FROM queue_log ORDER BY id');
    expect(rows[3]).toEqual({ epoch: '1795428625', callid: 'c8', queuename: 'acme', agent: 'Agent/rx1', event: 'CONNECT', data: '25|o8b|9', data1: '25', data2: 'o8b', data3: '9' });
    expect(rows).toHaveLength(5);
  });
});
