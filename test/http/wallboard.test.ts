import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { PostgresAnalytics } from '../../src/adapters/postgres/analytics';
import { PostgresCallStats } from '../../src/adapters/postgres/call-stats';
import { PostgresUserStore } from '../../src/adapters/postgres/users';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { sumFigures } from '../../src/analytics';
import { localDayOf } from '../../src/analytics/today';
import { WallboardFigures } from '../../src/analytics/wallboard';
import { CallService } from '../../src/calls/call-service';
import type { TimelineEntry } from '../../src/domain/messages';
import type { ClientProfile } from '../../src/domain/model';
import { buildHttp } from '../../src/http/server';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';
import { TestDatabase } from '../workers/support/harness';

const SERVICE = 'wallboard-service-token-0123456789';
const PASSWORD = 'wallboard password 123';
const ZONE = 'America/New_York';
/** 15:00 in New York: the company day is 2026-11-23 05:00Z to 2026-11-24 05:00Z. */
const NOW = Date.parse('2026-11-23T20:00:00Z');
const S = 1000;
const OPTIONS = { serviceLevelSeconds: 20, shortAbandonSeconds: 5 };

const fallback: ClientProfile = {
  id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};

type Step =
  | { answer: number; rx?: string }
  | { end: number; outcome: 'completed' | 'abandoned' | 'voicemail'; waitMs: number }
  | { overflow: number };

/** One call through the call server's own log: arrival, then steps at seconds after it. */
function call(db: TestDatabase, callId: string, arrivedIso: string, steps: Step[]): void {
  const at = Date.parse(arrivedIso);
  const log = db.callServer.callLog;
  log.append({ kind: 'arrived', callId, at, clientId: 'acme', did: '5035550100', caller: { name: 'Caller', number: '5035551234' }, knownNumber: true });
  for (const s of steps) {
    if ('answer' in s) log.append({ kind: 'answered', callId, at: at + s.answer * S, receptionistId: s.rx ?? 'rx1', waitMs: s.answer * S });
    else if ('overflow' in s) log.append({ kind: 'overflowed', callId, at: at + s.overflow * S, treatment: 'voicemail', reason: 'max-wait', waitMs: s.overflow * S });
    else log.append({ kind: 'ended', callId, at: at + s.end * S, outcome: s.outcome, waitMs: s.waitMs, endedBy: 'caller' } as TimelineEntry);
  }
}

describe('GET /api/wallboard/today: the supervisor wallboard on PostgreSQL', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let now = NOW;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    await db.callServer.directoryAdmin.upsertReceptionist({ id: 'rx1', name: 'rx1', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });

    // Just after local midnight (00:00:30 in New York): answered after 4 s.
    call(db, 'fast', '2026-11-23T05:00:30Z', [{ answer: 4 }, { end: 64, outcome: 'completed', waitMs: 4 * S }]);
    // Answered after 45 s; transferred, back, answered again at 300 s: the first answer counts.
    call(db, 'slow', '2026-11-23T14:00:00Z', [{ answer: 45 }, { answer: 300, rx: 'rx2' }, { end: 400, outcome: 'completed', waitMs: 300 * S }]);
    // Answered at exactly 20 s and still on the call (no end yet).
    call(db, 'on-call', '2026-11-23T19:50:00Z', [{ answer: 20 }]);
    call(db, 'abandoned', '2026-11-23T15:00:00Z', [{ end: 30, outcome: 'abandoned', waitMs: 30 * S }]);
    call(db, 'short', '2026-11-23T15:10:00Z', [{ end: 3, outcome: 'abandoned', waitMs: 3 * S }]);
    call(db, 'waiting', '2026-11-23T19:59:00Z', []);
    call(db, 'voicemail', '2026-11-23T16:00:00Z', [{ overflow: 120 }, { end: 180, outcome: 'voicemail', waitMs: 180 * S }]);
    // 23:59:50 the day before in New York (but today in UTC), and a call of the day before.
    call(db, 'late-yesterday', '2026-11-23T04:59:50Z', [{ answer: 1 }, { end: 30, outcome: 'completed', waitMs: 1 * S }]);
    call(db, 'yesterday', '2026-11-22T12:00:00Z', [{ end: 10, outcome: 'abandoned', waitMs: 10 * S }]);
    await db.callServer.callLog.flush();

    const clock = { now: () => now };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory: new MemoryDirectory(), liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }), defaultClient: fallback,
    });
    app = buildHttp({
      logger: pino({ level: 'silent' }),
      apiToken: SERVICE,
      auth: { users: new PostgresUserStore(db.pool), mode: 'required', sessionTtlMs: 3_600_000, loginLimit: { maxFailures: 1000, windowMs: 60_000 } },
      calls,
      callLog: db.callServer.callLog,
      hub: new NoticeHub(),
      clock,
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      wallboard: new WallboardFigures(new PostgresCallStats(db.pool), clock, { timeZone: ZONE, options: OPTIONS }),
    });
    await app.ready();
    const users: Array<[string, object]> = [
      ['admin', { role: 'admin' }],
      ['supervisor', { role: 'supervisor' }],
      ['receptionist', { role: 'receptionist', receptionistId: 'rx1' }],
      ['client', { role: 'client', clientId: 'acme' }],
    ];
    for (const [name, fields] of users) {
      const created = await app.inject({ method: 'POST', url: '/api/users', headers: { authorization: `Bearer ${SERVICE}` }, payload: { email: `${name}@example.com`, password: PASSWORD, ...fields } });
      expect(created.statusCode, created.body).toBe(201);
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `${name}@example.com`, password: PASSWORD } });
      tokens[name] = login.json().token;
    }
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const get = (who: string) => app.inject({ method: 'GET', url: '/api/wallboard/today', headers: tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {} });

  it("given a known mix of calls when a supervisor asks then today's figures in New York are exact", async () => {
    const res = await get('supervisor');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      day: '2026-11-23',
      timeZone: ZONE,
      from: '2026-11-23T05:00:00.000Z',
      to: '2026-11-24T05:00:00.000Z',
      serviceLevelSeconds: 20,
      shortAbandonSeconds: 5,
      // fast, slow, on-call, abandoned, short, waiting, voicemail
      arrived: 7,
      answered: 3,
      abandoned: 2,
      shortAbandoned: 1,
      answeredWithinThreshold: 2,
      asaMs: (4 * S + 45 * S + 20 * S) / 3,
      serviceLevelPct: (100 * 2) / (3 + 2 - 1),
      longestAnsweredWaitMs: 45 * S,
      asOf: new Date(NOW).toISOString(),
    });
  });

  it('given an admin then 200; a receptionist or a client user 403; no token 401', async () => {
    expect((await get('admin')).statusCode).toBe(200);
    for (const who of ['receptionist', 'client']) {
      const res = await get(who);
      expect(res.statusCode, who).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    expect((await get('anonymous')).statusCode).toBe(401);
  });

  it('given a call arriving then the figures change only once the 2 s reading is over', async () => {
    const before = (await get('supervisor')).json();
    call(db, 'new', '2026-11-23T20:00:00Z', [{ end: 2, outcome: 'abandoned', waitMs: 2 * S }]);
    await db.callServer.callLog.flush();
    now = NOW + 1000;
    expect((await get('supervisor')).json()).toEqual(before);
    now = NOW + 2000;
    const after = (await get('supervisor')).json();
    expect([after.arrived, after.abandoned, after.shortAbandoned, after.asOf]).toEqual([8, 3, 2, new Date(NOW + 2000).toISOString()]);
    await db.pool.query("DELETE FROM calls WHERE id = 'new'");
  });

  it('given UTC as the company zone then the call late yesterday in New York is today', async () => {
    const utc = await new WallboardFigures(new PostgresCallStats(db.pool), { now: () => NOW }, { timeZone: 'UTC', options: OPTIONS }).today();
    expect([utc.day, utc.arrived, utc.answered, utc.longestAnsweredWaitMs]).toEqual(['2026-11-23', 8, 4, 45 * S]);
  });

  it("given the analytics roll-up of the same day then answered, abandoned, short abandoned and ASA agree", async () => {
    const day = localDayOf(NOW, ZONE);
    const analytics = new PostgresAnalytics(db.pool, () => NOW);
    await analytics.recomputeAnalytics({ from: day.from, to: day.to });
    const rows = await analytics.intervals({ from: day.from, to: day.to, scope: 'company' });
    const total = sumFigures(rows, day.from, 'company', 20);
    const board = await new WallboardFigures(new PostgresCallStats(db.pool), { now: () => NOW }, { timeZone: ZONE, options: analytics.options }).today();
    expect(board).toMatchObject({
      arrived: total.arrived,
      answered: total.answered,
      abandoned: total.abandoned,
      shortAbandoned: total.shortAbandoned,
      answeredWithinThreshold: total.answeredWithinThreshold,
      asaMs: total.answeredWaitMs / total.answered,
    });
  });
});

