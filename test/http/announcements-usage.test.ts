import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { PostgresUserStore } from '../../src/adapters/postgres/users';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import type { ClientProfile } from '../../src/domain/model';
import { buildHttp } from '../../src/http/server';
import type { SwitchboardNotice } from '../../src/ports/notifier';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';
import { TestDatabase } from '../workers/support/harness';

/** Announcements and first-party usage on a real PostgreSQL schema, through the HTTP API as each role. */
const SERVICE = 'announcements-service-token-0123456789';
const PASSWORD = 'announce password 123';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse('2026-12-01T12:00:00Z');

const fallback: ClientProfile = {
  id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};

type Who = 'admin' | 'supervisor' | 'receptionist' | 'client' | 'service';

describe('announcements and product usage over HTTP', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = { t: START };
  const hub = new NoticeHub();
  const notices: SwitchboardNotice[] = [];
  const tokens: Record<string, string> = { service: SERVICE };
  const userIds: Record<string, string> = {};

  const as = (who: Who) => ({ authorization: `Bearer ${tokens[who]}` });
  const iso = (ms: number) => new Date(ms).toISOString();
  const publish = (payload: object, who: Who = 'admin') => app.inject({ method: 'POST', url: '/api/admin/announcements', headers: as(who), payload });
  const banners = async (who: Who) => {
    const res = await app.inject({ method: 'GET', url: '/api/announcements', headers: as(who) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().announcements as Array<{ id: string; text: string; level: string; audience: string; startsAt: string; endsAt: string }>;
  };
  const adminList = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/admin/announcements', headers: as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().announcements as Array<{ id: string; state: string; createdBy: string | null; withdrawnAt: string | null }>;
  };
  const withdrawAll = async () => {
    for (const a of await adminList()) if (a.state !== 'ended') await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${a.id}`, headers: as('admin') });
  };

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    await db.callServer.directoryAdmin.upsertReceptionist({ id: 'rx1', name: 'rx1', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    const directory = new MemoryDirectory();
    directory.people.set('rx1', { id: 'rx1', name: 'rx1', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    const time = { now: () => clock.t };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory, liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock: time, logger: pino({ level: 'silent' }), defaultClient: fallback,
    });
    await calls.onPbxConnected();
    hub.subscribe((n) => notices.push(n));
    app = buildHttp({
      logger: pino({ level: 'silent' }),
      apiToken: SERVICE,
      // Sessions outlive the clock's jumps of weeks below.
      auth: { users: new PostgresUserStore(db.pool), mode: 'required', sessionTtlMs: 400 * DAY, loginLimit: { maxFailures: 1000, windowMs: MINUTE } },
      calls,
      callLog: new MemoryCallLog(),
      hub,
      clock: time,
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      announcements: db.callServer.announcements,
      usage: db.callServer.usage,
    });
    await app.ready();
    const users: Array<[string, object]> = [
      ['admin', { role: 'admin' }],
      ['supervisor', { role: 'supervisor' }],
      ['receptionist', { role: 'receptionist', receptionistId: 'rx1' }],
      ['client', { role: 'client', clientId: 'acme' }],
    ];
    for (const [name, fields] of users) {
      const created = await app.inject({ method: 'POST', url: '/api/users', headers: as('service'), payload: { email: `${name}@example.com`, password: PASSWORD, ...fields } });
      expect(created.statusCode, created.body).toBe(201);
      userIds[name] = created.json().id;
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `${name}@example.com`, password: PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      tokens[name] = login.json().token;
    }
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  describe('announcements', () => {
    it('given one banner per audience when each role reads them then a receptionist never sees a clients-only one, a client never a receptionists-only one, staff see all', async () => {
      clock.t = START;
      const made: Record<string, string> = {};
      for (const audience of ['receptionists', 'clients', 'everyone']) {
        const res = await publish({ text: `For ${audience}`, level: 'info', audience, startsAt: iso(clock.t - MINUTE), endsAt: iso(clock.t + HOUR) });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json()).toMatchObject({ text: `For ${audience}`, audience, state: 'active', createdBy: userIds.admin });
        made[audience] = res.json().id;
      }
      expect((await banners('receptionist')).map((a) => a.audience).sort()).toEqual(['everyone', 'receptionists']);
      expect((await banners('client')).map((a) => a.audience).sort()).toEqual(['clients', 'everyone']);
      for (const who of ['admin', 'supervisor', 'service'] as const) expect((await banners(who)).length).toBe(3);
      expect(Object.keys((await banners('client'))[0]).sort()).toEqual(['audience', 'endsAt', 'id', 'level', 'startsAt', 'text']);
      await withdrawAll();
    });

    it('given an info banner and a later one, and a warning, when read then the warning comes first, then the newest', async () => {
      clock.t = START + DAY;
      const old = (await publish({ text: 'older', level: 'info', audience: 'everyone', startsAt: iso(clock.t - 2 * HOUR), endsAt: iso(clock.t + HOUR) })).json().id;
      const newer = (await publish({ text: 'newer', level: 'info', audience: 'everyone', startsAt: iso(clock.t - HOUR), endsAt: iso(clock.t + HOUR) })).json().id;
      const warning = (await publish({ text: 'degraded', level: 'warning', audience: 'everyone', startsAt: iso(clock.t - 3 * HOUR), endsAt: iso(clock.t + HOUR) })).json().id;
      expect((await banners('receptionist')).map((a) => a.id)).toEqual([warning, newer, old]);
      await withdrawAll();
    });

    it('given a scheduled banner when time passes then it is not shown before its start, shown once started, gone after its end; the admin list follows its state', async () => {
      clock.t = START + 2 * DAY;
      const res = await publish({ text: 'Office closed for the holiday', level: 'warning', audience: 'clients', startsAt: iso(clock.t + HOUR), endsAt: iso(clock.t + 3 * HOUR) });
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json().id;
      expect(res.json().state).toBe('scheduled');
      expect(await banners('client')).toEqual([]);
      expect((await adminList()).find((a) => a.id === id)?.state).toBe('scheduled');

      clock.t += HOUR;
      expect((await banners('client')).map((a) => a.id)).toEqual([id]);
      expect((await adminList()).find((a) => a.id === id)?.state).toBe('active');

      clock.t += 2 * HOUR - 1;
      expect((await banners('client')).map((a) => a.id)).toEqual([id]);
      clock.t += 1;
      expect(await banners('client')).toEqual([]);
      expect((await adminList()).find((a) => a.id === id)?.state).toBe('ended');

      // Ended more than 30 days ago: out of the admin list too.
      clock.t += 30 * DAY + 1;
      expect((await adminList()).find((a) => a.id === id)).toBeUndefined();
    });

    it('given an active banner when an admin withdraws it then it is gone at once, ended in the admin list; withdrawing again is 204, an unknown id 404', async () => {
      clock.t = START + 40 * DAY;
      const id = (await publish({ text: 'Service degraded, call support', level: 'warning', audience: 'receptionists', startsAt: iso(clock.t), endsAt: iso(clock.t + DAY) })).json().id;
      expect((await banners('receptionist')).map((a) => a.id)).toEqual([id]);
      const del = await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${id}`, headers: as('admin') });
      expect(del.statusCode, del.body).toBe(204);
      expect(await banners('receptionist')).toEqual([]);
      const row = (await adminList()).find((a) => a.id === id);
      expect(row).toMatchObject({ state: 'ended', withdrawnAt: iso(clock.t) });
      expect((await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${id}`, headers: as('admin') })).statusCode).toBe(204);
      const missing = await app.inject({ method: 'DELETE', url: '/api/admin/announcements/no-such-id', headers: as('admin') });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('no-such-announcement');

      // A scheduled one withdrawn never shows.
      const later = (await publish({ text: 'later', level: 'info', audience: 'everyone', startsAt: iso(clock.t + HOUR), endsAt: iso(clock.t + 2 * HOUR) })).json().id;
      expect((await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${later}`, headers: as('admin') })).statusCode).toBe(204);
      clock.t += HOUR + MINUTE;
      expect(await banners('receptionist')).toEqual([]);
      expect((await adminList()).find((a) => a.id === later)?.state).toBe('ended');
    });

    it('given a bad draft when published then 400 with a stable code, and nothing is stored', async () => {
      clock.t = START + 50 * DAY;
      const now = clock.t;
      const before = (await adminList()).length;
      const good = { text: 'ok', level: 'info', audience: 'everyone', startsAt: iso(now), endsAt: iso(now + HOUR) };
      const cases: Array<[object, string]> = [
        [{ ...good, endsAt: iso(now) }, 'bad-window'],
        [{ ...good, startsAt: iso(now + 2 * HOUR), endsAt: iso(now + HOUR) }, 'bad-window'],
        [{ ...good, startsAt: iso(now - 2 * HOUR), endsAt: iso(now - HOUR) }, 'bad-window'],
        [{ ...good, endsAt: iso(now + 367 * DAY) }, 'bad-window'],
        [{ ...good, text: 'line one\nline two' }, 'bad-text'],
        [{ ...good, text: 'bell\u0007' }, 'bad-text'],
        [{ ...good, text: '   ' }, 'bad-text'],
        [{ ...good, text: '' }, 'bad-request'],
        [{ ...good, text: 'x'.repeat(501) }, 'bad-request'],
        [{ ...good, level: 'critical' }, 'bad-request'],
        [{ ...good, audience: 'supervisors' }, 'bad-request'],
        [{ ...good, startsAt: 'tomorrow' }, 'bad-request'],
        [{ ...good, createdBy: 'someone-else' }, 'bad-request'],
      ];
      for (const [payload, code] of cases) {
        const res = await publish(payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
      }
      expect((await publish({ ...good, text: 'x'.repeat(500), endsAt: iso(now + 366 * DAY) })).statusCode).toBe(201);
      expect((await adminList()).length).toBe(before + 1);
      for (const who of ['supervisor', 'receptionist', 'client'] as const) expect((await publish(good, who)).statusCode).toBe(403);
      await withdrawAll();
    });

    it('given hostile text when published then it is stored and returned verbatim, as JSON text', async () => {
      clock.t = START + 60 * DAY;
      const hostile = `<img src=x onerror="alert(1)"></div><script>alert('x')</script> & "quotes" \u202Eevil\u202C 🎉 ${'\\'}u003c`;
      const res = await publish({ text: hostile, level: 'warning', audience: 'everyone', startsAt: iso(clock.t), endsAt: iso(clock.t + HOUR) });
      expect(res.statusCode, res.body).toBe(201);
      const read = await app.inject({ method: 'GET', url: '/api/announcements', headers: as('client') });
      expect(read.headers['content-type']).toMatch(/^application\/json/);
      expect(read.json().announcements[0].text).toBe(hostile);
      const { rows } = await db.pool.query('SELECT text FROM announcements WHERE id = $1', [res.json().id]);
      expect(rows[0].text).toBe(hostile);
      await withdrawAll();
    });

    it('given a hub subscriber when an announcement is published or withdrawn then it gets announcements-changed; a refused draft or a second withdraw sends none', async () => {
      clock.t = START + 70 * DAY;
      notices.length = 0;
      const id = (await publish({ text: 'notice me', level: 'info', audience: 'everyone', startsAt: iso(clock.t), endsAt: iso(clock.t + HOUR) })).json().id;
      expect(notices).toEqual([{ type: 'announcements-changed' }]);
      await publish({ text: 'bad', level: 'info', audience: 'everyone', startsAt: iso(clock.t), endsAt: iso(clock.t) });
      expect(notices.length).toBe(1);
      await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${id}`, headers: as('admin') });
      expect(notices).toEqual([{ type: 'announcements-changed' }, { type: 'announcements-changed' }]);
      await app.inject({ method: 'DELETE', url: `/api/admin/announcements/${id}`, headers: as('admin') });
      expect(notices.length).toBe(2);
    });

    it('given the store port when asked for the active ones then it gives every audience (for the live snapshot)', async () => {
      clock.t = START + 80 * DAY;
      for (const audience of ['receptionists', 'clients']) await publish({ text: audience, level: 'info', audience, startsAt: iso(clock.t), endsAt: iso(clock.t + HOUR) });
      expect((await db.callServer.announcements.active(clock.t)).map((a) => a.audience).sort()).toEqual(['clients', 'receptionists']);
      expect(await db.callServer.announcements.active(clock.t + HOUR)).toEqual([]);
      await withdrawAll();
    });
  });

  describe('product usage', () => {
    const report = (who: Who, app: string, action: string) => appInject('POST', '/api/usage', who, { app, action });
    const appInject = (method: 'GET' | 'POST', url: string, who: Who, payload?: object) =>
      app.inject({ method, url, headers: as(who), ...(payload ? { payload } : {}) });
    const TODAY = Date.parse('2027-06-15T10:00:00Z');

    it('given three users active on different days when an admin reads the figures then DAU, WAU and MAU count distinct users in their windows', async () => {
      const at = async (ms: number, who: Who, app: string, action: string) => {
        clock.t = ms;
        const res = await report(who, app, action);
        expect(res.statusCode, res.body).toBe(204);
      };
      await at(TODAY - 40 * DAY, 'admin', 'console', 'open'); // outside the month
      await at(TODAY - 20 * DAY, 'admin', 'console', 'open'); // the month, not the week
      await at(TODAY - 10 * DAY, 'receptionist', 'console', 'open');
      await at(TODAY - 3 * DAY, 'supervisor', 'console', 'open'); // the week
      await at(TODAY - 3 * DAY, 'supervisor', 'wallboard', 'open');
      await at(Date.parse('2027-06-15T00:00:00Z'), 'receptionist', 'console', 'open'); // today, at midnight UTC
      for (let i = 0; i < 3; i++) await at(TODAY, 'receptionist', 'console', 'hold');
      await at(Date.parse('2027-06-14T23:59:59Z'), 'client', 'portal', 'open'); // yesterday
      await at(TODAY, 'client', 'portal', 'open');
      await at(TODAY, 'client', 'portal', 'message-play');

      clock.t = TODAY;
      const res = await appInject('GET', '/api/admin/usage?days=30', 'admin');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.asOf).toBe(iso(TODAY));
      expect(body.days).toBe(30);
      expect(body.apps).toEqual({
        console: { dau: 1, wau: 2, mau: 3 },
        portal: { dau: 1, wau: 1, mau: 1 },
        wallboard: { dau: 0, wau: 1, mau: 1 },
        admin: { dau: 0, wau: 0, mau: 0 },
      });
      expect(body.daily).toEqual([
        { day: '2027-05-26', app: 'console', users: 1 },
        { day: '2027-06-05', app: 'console', users: 1 },
        { day: '2027-06-12', app: 'console', users: 1 },
        { day: '2027-06-12', app: 'wallboard', users: 1 },
        { day: '2027-06-14', app: 'portal', users: 1 },
        { day: '2027-06-15', app: 'console', users: 1 },
        { day: '2027-06-15', app: 'portal', users: 1 },
      ]);
      expect(body.actions).toEqual([
        { app: 'console', action: 'open', count: 4 },
        { app: 'console', action: 'hold', count: 3 },
        { app: 'portal', action: 'open', count: 2 },
        { app: 'portal', action: 'message-play', count: 1 },
        { app: 'wallboard', action: 'open', count: 1 },
      ]);

      const today = (await appInject('GET', '/api/admin/usage?days=1', 'admin')).json();
      expect(today.apps.console).toEqual({ dau: 1, wau: 2, mau: 3 });
      expect(today.daily).toEqual([{ day: '2027-06-15', app: 'console', users: 1 }, { day: '2027-06-15', app: 'portal', users: 1 }]);
      expect(today.actions.reduce((n: number, a: { count: number }) => n + a.count, 0)).toBe(1 + 3 + 1 + 1);
      expect(await db.count('SELECT 1 FROM usage_daily_users WHERE day = $1', ['2027-06-15'])).toBe(2);
    });

    it('given an action a page does not report when reported then 400 unknown-action; a user id in the body is refused', async () => {
      clock.t = TODAY;
      const before = await db.count('SELECT 1 FROM usage_action_counts');
      for (const [app, action] of [['console', 'explode'], ['portal', 'park'], ['wallboard', 'hold'], ['admin', 'OPEN']]) {
        const res = await report('receptionist', app, action);
        expect(res.statusCode, `${app} ${action}`).toBe(400);
        expect(res.json().error.code).toBe('unknown-action');
      }
      expect((await report('receptionist', 'mobile', 'open')).statusCode).toBe(400);
      const smuggled = await appInject('POST', '/api/usage', 'receptionist', { app: 'console', action: 'open', userId: userIds.admin });
      expect(smuggled.statusCode).toBe(400);
      expect(await db.count('SELECT 1 FROM usage_action_counts')).toBe(before);
    });

    it('given the service token when it reports then 204 and nothing is stored', async () => {
      clock.t = TODAY + 5 * DAY;
      const users = await db.count('SELECT 1 FROM usage_daily_users');
      const actions = await db.count('SELECT 1 FROM usage_action_counts');
      expect((await report('service', 'admin', 'open')).statusCode).toBe(204);
      expect(await db.count('SELECT 1 FROM usage_daily_users')).toBe(users);
      expect(await db.count('SELECT 1 FROM usage_action_counts')).toBe(actions);
    });

    it('given a client or a receptionist when they read the figures then 403; a bad days is 400', async () => {
      clock.t = TODAY;
      for (const who of ['client', 'receptionist', 'supervisor'] as const) {
        const res = await appInject('GET', '/api/admin/usage', who);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
      }
      for (const days of ['0', '401', 'x']) expect((await appInject('GET', `/api/admin/usage?days=${days}`, 'admin')).statusCode).toBe(400);
      expect((await appInject('GET', '/api/admin/usage', 'admin')).json().days).toBe(30);
    });
  });
});
