import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAnalytics, PostgresPresenceLog } from '../../src/adapters/postgres/analytics';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import type { TimelineEntry } from '../../src/domain/messages';
import { buildHttp } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { loadWorkerConfig } from '../../src/workers/config';
import { startWorkerProcess, type WorkerProcess } from '../../src/workers/worker-process';
import { presence, timelines } from '../analytics/fixture';
import { TestDatabase, waitFor } from './support/harness';

describe('the worker schedules the analytics roll-up', () => {
  let db: TestDatabase;
  let worker: WorkerProcess | null = null;

  beforeAll(async () => {
    db = await TestDatabase.open();
  });

  afterAll(async () => {
    await worker?.stop();
    await db?.close();
  });

  it('given the fixture morning in the call log when the worker runs then its repeatable roll-up fills the intervals and the API serves the figures', async () => {
    for (const t of Object.values(timelines)) for (const e of t) db.callServer.callLog.append(e as TimelineEntry);
    await db.callServer.callLog.flush();
    const presenceLog = new PostgresPresenceLog(db.pool, createLogger('silent'), 1);
    for (const c of presence) presenceLog.appendPresence(c);
    await presenceLog.flush();

    const config = loadWorkerConfig(db.workerEnv({ ANALYTICS_ROLLUP_EVERY_MS: '300', ASTERISK_ARI_URL: 'http://127.0.0.1:9' }));
    worker = await startWorkerProcess(config, { logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
    await waitFor('the roll-up to run', async () => (await db.pool.query('SELECT recorded_upto FROM analytics_watermark')).rows[0]?.recorded_upto, 30_000);

    const http = buildHttp({
      logger: createLogger('silent'),
      calls: {} as never,
      callLog: db.callServer.callLog,
      hub: new NoticeHub(),
      clock: { now: Date.now },
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      analytics: new PostgresAnalytics(db.pool),
    });
    try {
      const res = await http.inject({ method: 'GET', url: '/api/analytics/intervals?from=2026-11-23T10:00:00Z&to=2026-11-23T10:30:00Z&scope=company' });
      expect(res.statusCode).toBe(200);
      const rows = res.json().intervals;
      expect(rows[0]).toMatchObject({
        intervalStart: '2026-11-23T10:00:00.000Z', arrived: 8, offered: 7, answered: 5, answeredWithinThreshold: 3, abandoned: 2,
        shortAbandoned: 1, closed: 1, ringNoAnswer: 1, answeredWaitMs: 90001, longestWaitMs: 25000, talkMs: 631000,
      });
      expect(rows[1]).toMatchObject({ intervalStart: '2026-11-23T10:15:00.000Z', arrived: 0 });
      // A second run (the schedule repeats) changes nothing for these intervals.
      const before = (await db.pool.query('SELECT as_of FROM analytics_watermark')).rows[0].as_of as Date;
      await waitFor('another run', async () => ((await db.pool.query('SELECT as_of FROM analytics_watermark')).rows[0].as_of as Date) > before, 30_000);
      const again = await http.inject({ method: 'GET', url: '/api/analytics/intervals?from=2026-11-23T10:00:00Z&to=2026-11-23T10:30:00Z&scope=company' });
      expect(again.json().intervals).toEqual(rows);
    } finally {
      await http.close();
    }
  });
});
