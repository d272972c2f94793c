import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { PostgresAnalytics } from '../../src/adapters/postgres/analytics';
import { PostgresCallStats } from '../../src/adapters/postgres/call-stats';
import { WallboardFigures } from '../../src/analytics/wallboard';
import { PostgresUserStore } from '../../src/adapters/postgres/users';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { ruleFor, type Role } from '../../src/domain/access';
import type { TimelineEntry } from '../../src/domain/messages';
import type { ClientProfile } from '../../src/domain/model';
import { buildHttp } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { loadWorkerConfig } from '../../src/workers/config';
import { MediaDirectory } from '../../src/workers/media-dir';
import { openMessagingClient, type MessagingClient } from '../../src/workers/messaging-client';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';
import { DATABASE_URL, REDIS_URL, TestDatabase } from '../workers/support/harness';

/**
 * Every registered /api route (collected by an onRoute hook) x every kind of caller: what may
 * pass, what must be refused, and that a client user never sees another client's ids.
 */
const SERVICE = 'matrix-service-token-0123456789';
const PASSWORD = 'matrix password 123';
const NOW = Date.parse('2026-11-23T12:00:00Z');

interface Tenant {
  client: string;
  call: string;
  message: string;
  /** A voicemail message with audio (the portal's player). */
  voicemail: string;
  callback: string;
}

/** Markers of the other client's data: none may appear in an answer to an acme client user. */
const ZENITH_MARKERS = ['zenith', 'call-zen-', 'cb-zen-'];

const fallback: ClientProfile = {
  id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};

/** Callbacks of both clients, scoped by clientId like the real CallbackApi. */
function fakeCallbacks() {
  const rows = [
    { id: 'cb-acme-1', clientId: 'acme', number: '5035551001', status: 'scheduled' },
    { id: 'cb-zen-1', clientId: 'zenith', number: '5035551002', status: 'scheduled' },
  ];
  const find = (id: string, clientId?: string) => {
    const r = rows.find((x) => x.id === id && (clientId === undefined || x.clientId === clientId));
    return r ? { ok: true as const, value: r } : { ok: false as const, code: 'no-such-callback' as const };
  };
  return {
    schedule: async (req: { clientId: string; number: string }) => ({ ok: true, value: { id: `cb-new-${rows.length}`, clientId: req.clientId, number: req.number, status: 'scheduled' } }),
    list: async (q: { clientId?: string }) => rows.filter((r) => q.clientId === undefined || r.clientId === q.clientId),
    get: async (id: string, clientId?: string) => find(id, clientId),
    cancel: async (id: string, clientId?: string) => find(id, clientId),
  };
}

type Sample = { url: string; payload?: object };
let emails = 0;
/** A valid request for each route, aimed at a tenant's data, acting as receptionist `rx`. */
const SAMPLES: Record<string, (t: Tenant, rx: string) => Sample> = {
  'POST /api/auth/login': () => ({ url: '/api/auth/login', payload: { email: 'nobody@example.com', password: 'wrong password' } }),
  'POST /api/auth/logout': () => ({ url: '/api/auth/logout' }),
  'GET /api/auth/me': () => ({ url: '/api/auth/me' }),
  'GET /api/openapi.json': () => ({ url: '/api/openapi.json' }),
  'GET /api/users': () => ({ url: '/api/users' }),
  'POST /api/users': () => ({ url: '/api/users', payload: { email: `new-${++emails}@example.com`, role: 'supervisor', password: PASSWORD } }),
  'PATCH /api/users/:id': () => ({ url: `/api/users/${ids.supervisor}`, payload: { name: 'Supervisor' } }),
  'GET /api/receptionists': () => ({ url: '/api/receptionists' }),
  'GET /api/receptionists/:id': (_t, rx) => ({ url: `/api/receptionists/${rx}` }),
  'PUT /api/receptionists/:id/presence': (_t, rx) => ({ url: `/api/receptionists/${rx}/presence`, payload: { state: 'available' } }),
  'GET /api/queue': () => ({ url: '/api/queue' }),
  'GET /api/calls/live': () => ({ url: '/api/calls/live' }),
  'GET /api/calls': (t) => ({ url: `/api/calls?clientId=${t.client}` }),
  'GET /api/calls/:id': (t) => ({ url: `/api/calls/${t.call}` }),
  'GET /api/events': () => ({ url: '/api/events' }),
  'GET /api/live': (t) => ({ url: `/api/live?clientId=${t.client}` }),
  'POST /api/calls/:id/transfer': (t, rx) => ({ url: `/api/calls/${t.call}/transfer`, payload: { receptionistId: rx, to: { number: '+15035550199' } } }),
  ...Object.fromEntries(
    ['transfer/complete', 'transfer/cancel', 'transfer/three-way', 'hold', 'resume', 'voicemail', 'hangup', 'park'].map((op) => [
      `POST /api/calls/:id/${op}`,
      (t: Tenant, rx: string) => ({ url: `/api/calls/${t.call}/${op}`, payload: { receptionistId: rx } }),
    ]),
  ),
  'GET /api/parked': () => ({ url: '/api/parked' }),
  'POST /api/parked/:slot/retrieve': (_t, rx) => ({ url: '/api/parked/701/retrieve', payload: { receptionistId: rx } }),
  'POST /api/callbacks': (t) => ({ url: '/api/callbacks', payload: { clientId: t.client, number: '5035551234' } }),
  'GET /api/callbacks': (t) => ({ url: `/api/callbacks?clientId=${t.client}` }),
  'GET /api/callbacks/:id': (t) => ({ url: `/api/callbacks/${t.callback}` }),
  'DELETE /api/callbacks/:id': (t) => ({ url: `/api/callbacks/${t.callback}` }),
  'POST /api/messages': (t) => ({ url: '/api/messages', payload: { clientId: t.client, callerName: 'Pat', callerNumber: '5035551234', body: 'Call back.' } }),
  'GET /api/messages': (t) => ({ url: `/api/messages?clientId=${t.client}` }),
  'GET /api/messages/:id': (t) => ({ url: `/api/messages/${t.message}` }),
  'GET /api/clients/:clientId/delivery-channels': (t) => ({ url: `/api/clients/${t.client}/delivery-channels` }),
  'PUT /api/clients/:clientId/delivery-channels': (t) => ({ url: `/api/clients/${t.client}/delivery-channels`, payload: { emails: [`office@${t.client}.example`], webhook: null } }),
  'GET /api/admin/queues': () => ({ url: '/api/admin/queues' }),
  'GET /api/admin/queues/:name/failed': () => ({ url: '/api/admin/queues/delivery/failed' }),
  'POST /api/admin/queues/:name/retry': () => ({ url: '/api/admin/queues/delivery/retry', payload: {} }),
  'POST /api/admin/reload': () => ({ url: '/api/admin/reload', payload: {} }),
  'GET /api/analytics/intervals': (t) => ({ url: `/api/analytics/intervals?from=2026-11-23T10:00:00Z&to=2026-11-23T11:00:00Z&scope=client:${t.client}` }),
  'GET /api/analytics/billing': (t) => ({ url: `/api/analytics/billing?clientId=${t.client}&period=2026-11` }),
  'PUT /api/calls/:id/disposition': (t) => ({ url: `/api/calls/${t.call}/disposition`, payload: { disposition: null } }),
  'POST /api/analytics/recompute': () => ({ url: '/api/analytics/recompute', payload: { from: '2026-11-23T10:00:00Z', to: '2026-11-23T11:00:00Z' } }),
  'GET /api/wallboard/today': () => ({ url: '/api/wallboard/today' }),
  'GET /api/clients': () => ({ url: '/api/clients' }),
  'GET /api/clients/:clientId/settings': (t) => ({ url: `/api/clients/${t.client}/settings` }),
  'PUT /api/clients/:clientId/greeting': (t) => ({ url: `/api/clients/${t.client}/greeting`, payload: { greeting: 'Thank you for calling' } }),
  'PUT /api/clients/:clientId/status': (t) => ({ url: `/api/clients/${t.client}/status`, payload: { text: 'Back at 3 pm', instruction: 'take-message' } }),
  'DELETE /api/clients/:clientId/status': (t) => ({ url: `/api/clients/${t.client}/status` }),
  'PUT /api/clients/:clientId/contacts/:code': (t) => ({
    url: `/api/clients/${t.client}/contacts/7`,
    payload: { name: 'Dana', number: '+15035550111', alwaysScreen: false, availability: 'available', note: '' },
  }),
  'DELETE /api/clients/:clientId/contacts/:code': (t) => ({ url: `/api/clients/${t.client}/contacts/8` }),
  'PUT /api/clients/:clientId/hours': (t) => ({ url: `/api/clients/${t.client}/hours`, payload: { timeZone: 'UTC', hours: [{ weekday: 1, opens: '09:00', closes: '17:00' }] } }),
  'PUT /api/clients/:clientId/closures': (t) => ({ url: `/api/clients/${t.client}/closures`, payload: { closures: [{ firstDay: '2026-12-25', lastDay: '2026-12-25', label: 'Christmas' }] } }),
  'PUT /api/clients/:clientId/after-hours': (t) => ({ url: `/api/clients/${t.client}/after-hours`, payload: { action: 'voicemail' } }),
  'POST /api/messages/:id/handled': (t) => ({ url: `/api/messages/${t.message}/handled`, payload: { handled: true } }),
  'GET /api/messages/:id/audio': (t) => ({ url: `/api/messages/${t.voicemail}/audio` }),
  'GET /api/announcements': () => ({ url: '/api/announcements' }),
  'GET /api/admin/announcements': () => ({ url: '/api/admin/announcements' }),
  'POST /api/admin/announcements': () => ({
    url: '/api/admin/announcements',
    payload: { text: 'Office closed', level: 'info', audience: 'everyone', startsAt: new Date(NOW).toISOString(), endsAt: new Date(NOW + 3_600_000).toISOString() },
  }),
  'DELETE /api/admin/announcements/:id': () => ({ url: '/api/admin/announcements/no-such-announcement' }),
  'POST /api/usage': () => ({ url: '/api/usage', payload: { app: 'portal', action: 'open' } }),
  'GET /api/admin/usage': () => ({ url: '/api/admin/usage?days=30' }),
};

const ids = { supervisor: '' };

/** Routes holding no client's data: every client user gets the same kind of answer. */
const TENANTLESS = new Set(['GET /api/announcements', 'POST /api/usage', 'GET /api/clients']);

type Caller = { name: string; role: Role | null; tenant: 'acme' | 'zenith'; rx: string };
const CALLERS: Caller[] = [
  { name: 'admin', role: 'admin', tenant: 'acme', rx: 'rx1' },
  { name: 'supervisor', role: 'supervisor', tenant: 'acme', rx: 'rx1' },
  { name: 'receptionist', role: 'receptionist', tenant: 'acme', rx: 'rx1' },
  { name: 'receptionist-as-another', role: 'receptionist', tenant: 'acme', rx: 'rx2' },
  { name: 'client-own', role: 'client', tenant: 'acme', rx: 'rx1' },
  { name: 'client-other', role: 'client', tenant: 'zenith', rx: 'rx1' },
  { name: 'anonymous', role: null, tenant: 'acme', rx: 'rx1' },
];

describe('tenant isolation: every route x every caller', () => {
  let db: TestDatabase;
  let messaging: MessagingClient;
  let app: FastifyInstance;
  let mediaDir: string;
  const routes: Array<{ method: string; url: string }> = [];
  const tokens: Record<string, string> = {};
  const tenants: Record<'acme' | 'zenith', Tenant> = {
    acme: { client: 'acme', call: 'call-acme-1', message: '', voicemail: '', callback: 'cb-acme-1' },
    zenith: { client: 'zenith', call: 'call-zen-1', message: '', voicemail: '', callback: 'cb-zen-1' },
  };

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    await db.seedClient('zenith', []);
    for (const id of ['rx1', 'rx2']) {
      await db.callServer.directoryAdmin.upsertReceptionist({ id, name: id, endpoint: `PJSIP/${id}`, groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    }
    for (const [callId, clientId] of [['call-acme-1', 'acme'], ['call-zen-1', 'zenith']]) {
      const at = Date.parse('2026-11-23T10:05:00Z');
      db.callServer.callLog.append({ kind: 'arrived', callId, at, clientId, did: '5035550100', caller: { name: 'Caller', number: '5035551234' }, knownNumber: true } as TimelineEntry);
      db.callServer.callLog.append({ kind: 'ended', callId, at: at + 30_000, outcome: 'abandoned', waitMs: 30_000, endedBy: 'caller' } as TimelineEntry);
    }
    await db.callServer.callLog.flush();
    mediaDir = await mkdtemp(path.join(tmpdir(), 'matrix-media-'));
    messaging = openMessagingClient({
      logger: createLogger('silent'),
      config: loadWorkerConfig({ DATABASE_URL, DATABASE_SCHEMA: db.schema, REDIS_URL, WORKER_QUEUE_PREFIX: db.prefix, MEDIA_DIR: mediaDir }),
    });
    for (const t of Object.values(tenants)) {
      t.message = (await messaging.submitTypedMessage({ clientId: t.client, callerName: 'Pat', callerNumber: '5035551234', text: `For ${t.client}` })).messageId;
      const stored = await new MediaDirectory(mediaDir).put(new TextEncoder().encode(`RIFF audio of ${t.call}`), 'wav');
      const saved = await db.messages.saveMessage(
        {
          id: randomUUID(), sourceKey: `call:${t.call}`, kind: 'voicemail', clientId: t.client, clientName: t.client, callId: t.call, callerName: 'Pat',
          callerNumber: '5035551234', dialled: '5035550100', receivedAt: NOW - 60_000, durationMs: 3000, text: null, transcript: null, flags: [], authorId: null,
          audio: { ...stored, contentType: 'audio/wav', bytes: 20 },
        },
        { maxAttempts: { email: 1, webhook: 1 } },
      );
      t.voicemail = saved.messageId;
    }

    const directory = new MemoryDirectory();
    for (const id of ['rx1', 'rx2']) directory.people.set(id, { id, name: id, endpoint: `PJSIP/${id}`, groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    const clock = { now: () => NOW };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory, liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }), defaultClient: fallback,
    });
    await calls.onPbxConnected();
    app = buildHttp({
      logger: pino({ level: 'silent' }),
      apiToken: SERVICE,
      auth: { users: new PostgresUserStore(db.pool), mode: 'required', sessionTtlMs: 3_600_000, loginLimit: { maxFailures: 1000, windowMs: 60_000 } },
      calls,
      callLog: db.callServer.callLog,
      hub: new NoticeHub(),
      clock,
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      callbacks: fakeCallbacks() as never,
      messaging,
      jobs: messaging,
      analytics: new PostgresAnalytics(db.pool, () => NOW),
      wallboard: new WallboardFigures(new PostgresCallStats(db.pool), clock, { timeZone: 'UTC', options: { serviceLevelSeconds: 20, shortAbandonSeconds: 5 } }),
      announcements: db.callServer.announcements,
      usage: db.callServer.usage,
      clientSettings: { store: db.callServer.clientSettings },
    });
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (r.url.startsWith('/api/')) routes.push({ method, url: r.url });
    });
    await app.ready();

    const service = { authorization: `Bearer ${SERVICE}` };
    const users: Array<[string, object]> = [
      ['admin', { role: 'admin' }],
      ['supervisor', { role: 'supervisor' }],
      ['receptionist', { role: 'receptionist', receptionistId: 'rx1' }],
      ['client', { role: 'client', clientId: 'acme' }],
    ];
    for (const [name, fields] of users) {
      const created = await app.inject({ method: 'POST', url: '/api/users', headers: service, payload: { email: `${name}@example.com`, password: PASSWORD, ...fields } });
      expect(created.statusCode, created.body).toBe(201);
      if (name === 'supervisor') ids.supervisor = created.json().id;
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `${name}@example.com`, password: PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      tokens[name] = login.json().token;
    }
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await messaging?.close();
    await db?.close();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  const freshToken = async (role: Role) =>
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `${role}@example.com`, password: PASSWORD } })).json().token as string;
  const tokenOf = (c: Caller) => (c.role === null ? undefined : tokens[c.role]);

  it('collects the routes by an onRoute hook, and every one has an access rule and a sample request here', () => {
    // openapi.json is registered before the hook above could see it.
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      expect(ruleFor(r.method, r.url), `${r.method} ${r.url}`).toBeDefined();
      if (r.method !== 'HEAD') expect(SAMPLES[`${r.method} ${r.url}`], `sample for ${r.method} ${r.url}`).toBeDefined();
    }
  });

  it('every route x every caller: refused, allowed, and never another client\'s ids', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.method !== 'HEAD')) {
      const key = `${route.method} ${route.url}`;
      const rule = ruleFor(route.method, route.url)!;
      for (const caller of CALLERS) {
        const allowedRole = rule.public === true || (caller.role !== null && rule.roles.includes(caller.role));
        // The event stream never ends: only its refusals can be asserted with inject.
        if (key === 'GET /api/events' && allowedRole) continue;
        const sample = SAMPLES[key]!(tenants[caller.tenant], caller.rx);
        // Logging out ends the session: that one uses a session of its own.
        const token = key === 'POST /api/auth/logout' && caller.role !== null ? await freshToken(caller.role) : tokenOf(caller);
        const res = await app.inject({
          method: route.method as 'GET',
          url: sample.url,
          ...(sample.payload ? { payload: sample.payload } : {}),
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        const code = res.headers['content-type']?.includes('json') ? res.json()?.error?.code : undefined;
        const where = `${key} as ${caller.name}: ${res.statusCode} ${res.body.slice(0, 160)}`;
        const expect = (ok: boolean, why: string) => ok || failures.push(`${where} — expected ${why}`);

        if (res.statusCode >= 500 && code !== 'ami-not-configured') failures.push(`${where} — a 5xx`);
        if (res.statusCode >= 500) expect(!/Error|at |\.ts/.test(res.body), 'no internals in a 5xx');
        if (rule.public) {
          expect(code !== 'unauthorized' && code !== 'forbidden', 'a public route');
        } else if (caller.role === null) {
          expect(res.statusCode === 401 && code === 'unauthorized', '401 unauthorized');
        } else if (!allowedRole) {
          expect(res.statusCode === 403 && code === 'forbidden', '403 forbidden');
        } else if (caller.name === 'client-other' && !key.includes(' /api/auth/') && !TENANTLESS.has(key)) {
          expect(res.statusCode === 403 || res.statusCode === 404, '403 other-client or 404');
        } else if (caller.name === 'receptionist-as-another' && rule.receptionistField) {
          expect(res.statusCode === 403 && code === 'not-your-receptionist', '403 not-your-receptionist');
        } else {
          expect(res.statusCode !== 401 && res.statusCode !== 403, 'not refused');
          if (route.method === 'GET') expect(res.statusCode === 200, '200 for a read');
        }
        // Independent of the policy table: what must never happen.
        if (caller.role === 'client' || caller.role === 'receptionist') {
          expect(!(res.statusCode < 300 && /^\/api\/(admin|users)/.test(sample.url)), 'no admin route for this role');
        }
        if (caller.role === 'client') {
          expect(!(res.statusCode < 300 && route.method !== 'GET' && !/^POST \/api\/auth|delivery-channels|^POST \/api\/usage$|^(PUT|DELETE) \/api\/clients\/:clientId\/|^POST \/api\/messages\/:id\/handled$/.test(key)), 'a client only reads (and sets its own delivery channels and portal settings, marks its own messages handled, reports its own usage)');
          for (const m of [...ZENITH_MARKERS, tenants.zenith.message]) expect(!res.body.includes(m), `no ${m} in the answer`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('given a client user when they list without a clientId then they get only their own client', async () => {
    const as = { authorization: `Bearer ${tokens.client}` };
    const calls = await app.inject({ method: 'GET', url: '/api/calls', headers: as });
    expect(calls.json().calls.map((c: { id: string }) => c.id)).toEqual(['call-acme-1']);
    const callbacks = await app.inject({ method: 'GET', url: '/api/callbacks', headers: as });
    expect(callbacks.json().callbacks.map((c: { id: string }) => c.id)).toEqual(['cb-acme-1']);
    const messages = await app.inject({ method: 'GET', url: '/api/messages', headers: as });
    expect([...new Set(messages.json().messages.map((m: { clientId: string }) => m.clientId))]).toEqual(['acme']);
    const admin = await app.inject({ method: 'GET', url: '/api/calls', headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(admin.json().calls.map((c: { id: string }) => c.id).sort()).toEqual(['call-acme-1', 'call-zen-1']);
  });

  it('given any non-admin when a body carries clientId or role where the route takes none then 400, and users can only be changed by admins', async () => {
    for (const name of ['supervisor', 'receptionist', 'client']) {
      const as = { authorization: `Bearer ${tokens[name]}` };
      const smuggled = await app.inject({ method: 'PUT', url: '/api/receptionists/rx1/presence', headers: as, payload: { state: 'available', role: 'admin', clientId: 'zenith' } });
      expect([400, 403]).toContain(smuggled.statusCode);
      const promote = await app.inject({ method: 'PATCH', url: `/api/users/${ids.supervisor}`, headers: as, payload: { role: 'admin' } });
      expect(promote.statusCode).toBe(403);
    }
    const own = await app.inject({ method: 'PUT', url: '/api/receptionists/rx1/presence', headers: { authorization: `Bearer ${tokens.receptionist}` }, payload: { state: 'available', role: 'admin' } });
    expect(own.statusCode).toBe(400);
    const repeated = await app.inject({ method: 'GET', url: '/api/calls?clientId=acme&clientId=zenith', headers: { authorization: `Bearer ${tokens.client}` } });
    expect(repeated.statusCode).toBe(403);
  });
});

describe('users and sessions on PostgreSQL', () => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.close();
  });

  it('given a session when it expires, or its user is disabled, then it no longer names the user; a role and client must fit', async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    const store = new PostgresUserStore(db.pool);
    const user = await store.createUser({ email: 'Pat@Example.com', name: 'Pat', role: 'client', clientId: 'acme', receptionistId: null, passwordHash: 'scrypt$1$1$1$a$b' });
    if (typeof user === 'string') throw new Error(user);
    expect(user.email).toBe('pat@example.com');
    expect(await store.createUser({ email: 'pat@example.com', name: '', role: 'admin', clientId: null, receptionistId: null, passwordHash: 'scrypt$x' })).toBe('email-taken');
    expect(await store.createUser({ email: 'q@example.com', name: '', role: 'client', clientId: 'nope', receptionistId: null, passwordHash: 'scrypt$x' })).toBe('no-such-client');
    const id = 'a'.repeat(64);
    await store.createSession({ id, userId: user.id, expiresAt: NOW + 1000, now: NOW });
    expect((await store.sessionUser(id, NOW))?.id).toBe(user.id);
    expect(await store.sessionUser(id, NOW + 1000)).toBeNull();
    expect(await store.updateUser(user.id, { disabled: true })).toMatchObject({ disabled: true });
    expect(await store.sessionUser(id, NOW)).toBeNull();
    expect((await store.credentials('PAT@example.com'))?.passwordHash).toBe('scrypt$1$1$1$a$b');
    expect(await store.updateUser('no-such', { name: 'x' })).toBe('no-such-user');
    await store.deleteUserSessions(user.id);
    expect(await db.count('SELECT 1 FROM sessions')).toBe(0);
  });
});
