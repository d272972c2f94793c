import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { UnrecoverableError, Worker } from 'bullmq';
import { PostgresAnalytics, PostgresPresenceLog } from '../../src/adapters/postgres/analytics';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import type { TimelineEntry } from '../../src/domain/messages';
import { buildHttp } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { loadWorkerConfig } from '../../src/workers/config';
import { openMessagingClient, type MessagingClient } from '../../src/workers/messaging-client';
import { presence, T, timelines } from '../analytics/fixture';
import { DATABASE_URL, REDIS_URL, TestDatabase } from '../workers/support/harness';

const SECRET = 'whsec_do_not_show_me_123456';
const TOKEN = 'test-token-0123456789abcdef';

describe('HTTP API: messages, jobs and analytics on PostgreSQL', () => {
  let db: TestDatabase;
  let messaging: MessagingClient;
  let app: FastifyInstance;
  const logLines: string[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    await db.seedClient('zen', []);
    const config = loadWorkerConfig({ DATABASE_URL, DATABASE_SCHEMA: db.schema, REDIS_URL, WORKER_QUEUE_PREFIX: db.prefix });
    messaging = openMessagingClient({ logger: createLogger('silent'), config });
    // The fixture morning: timelines through the call server's own call log, and presence.
    for (const t of Object.values(timelines)) for (const e of t) db.callServer.callLog.append(e as TimelineEntry);
    await db.callServer.callLog.flush();
    const presenceLog = new PostgresPresenceLog(db.pool, createLogger('silent'), 1);
    for (const c of presence) presenceLog.appendPresence(c);
    await presenceLog.flush();
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = buildHttp({
      logger: createLogger('info', sink),
      apiToken: TOKEN,
      calls: {} as never,
      callLog: db.callServer.callLog,
      hub: new NoticeHub(),
      clock: { now: () => T('10:45:00') },
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      messaging,
      jobs: messaging,
      analytics: new PostgresAnalytics(db.pool, () => T('10:45:00')),
    });
  });

  afterAll(async () => {
    await app?.close();
    await messaging?.close();
    await db?.close();
  });

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as never, headers: auth });
  const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, payload: payload as never, headers: auth });
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { ...auth, ...headers } });

  describe('messages', () => {
    it('given no bearer token then the message routes answer 401', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/messages?clientId=acme' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    });

    it('given a client with a webhook when a receptionist types a message then it is saved with a pending delivery and enqueued; the same requestId gives the same message', async () => {
      expect((await put('/api/clients/acme/delivery-channels', { emails: [], webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRET } })).statusCode).toBe(200);
      const res = await post('/api/messages', { clientId: 'acme', callId: 'c8', callerName: 'Jane Caller', callerNumber: '5035551234', body: 'Please call back about the invoice.', requestId: 'console-1' });
      expect(res.statusCode).toBe(201);
      const { id, created, deliveries } = res.json();
      expect(created).toBe(true);
      expect(deliveries).toBe(1);

      const again = await post('/api/messages', { clientId: 'acme', callerName: 'Jane Caller', callerNumber: '5035551234', body: 'Please call back about the invoice.', requestId: 'console-1' });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ id, created: false });

      const one = await get(`/api/messages/${id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        id, kind: 'typed', clientId: 'acme', callId: 'c8', text: 'Please call back about the invoice.', caller: { name: 'Jane Caller', number: '5035551234' },
        deliveries: [{ kind: 'webhook', target: 'http://127.0.0.1:9/hook', status: 'pending', attempts: 0, lastError: null }],
      });
      const queues = (await get('/api/admin/queues')).json().queues as Array<{ queue: string; waiting: number }>;
      expect(queues.map((q) => q.queue).sort()).toEqual(['analytics', 'delivery', 'voicemail']);
      expect(queues.find((q) => q.queue === 'delivery')!.waiting).toBeGreaterThanOrEqual(1);
    });

    it.each([
      [{ callerName: 'x', callerNumber: '1', body: 'hi' }, 'bad-request'],
      [{ clientId: 'acme', callerName: 'x', callerNumber: '1' }, 'bad-request'],
      [{ clientId: 'acme', callerName: 'x', callerNumber: '1', body: '   ' }, 'bad-request'],
      [{ clientId: 'acme', callerName: 'x', callerNumber: '1', body: 'hi', role: 'admin' }, 'bad-request'],
      [{ clientId: 'no spaces!', callerName: 'x', callerNumber: '1', body: 'hi' }, 'bad-request'],
      [{ clientId: 'acme', callerName: 'x', callerNumber: '1'.repeat(41), body: 'hi' }, 'bad-request'],
    ])('given a bad message %j then 400 %s', async (payload, code) => {
      const res = await post('/api/messages', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
    });

    it('given an unknown client or message then 404 with a stable code', async () => {
      const res = await post('/api/messages', { clientId: 'nobody', callerName: 'x', callerNumber: '1', body: 'hi' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('no-such-client');
      expect((await get('/api/messages/00000000-0000-0000-0000-000000000000')).json().error.code).toBe('no-such-message');
      expect((await get('/api/messages/not-a-uuid')).statusCode).toBe(404);
    });

    it('given messages for two clients then a clientId filter returns only that client\'s, newest first, paged, and since-filtered', async () => {
      for (let i = 0; i < 3; i++) expect((await post('/api/messages', { clientId: 'zen', callerName: `Z${i}`, callerNumber: '1', body: `zen ${i}` })).statusCode).toBe(201);
      const zen = (await get('/api/messages?clientId=zen')).json();
      expect(zen.messages).toHaveLength(3);
      expect(zen.messages.every((m: { clientId: string }) => m.clientId === 'zen')).toBe(true);
      const acme = (await get('/api/messages?clientId=acme')).json();
      expect(acme.messages.length).toBeGreaterThan(0);
      expect(acme.messages.every((m: { clientId: string }) => m.clientId === 'acme')).toBe(true);

      const page1 = (await get('/api/messages?clientId=zen&limit=2')).json();
      expect(page1.messages).toHaveLength(2);
      expect(page1.next).toEqual(expect.any(String));
      const page2 = (await get(`/api/messages?clientId=zen&limit=2&cursor=${encodeURIComponent(page1.next)}`)).json();
      expect(page2.messages).toHaveLength(1);
      expect(page2.next).toBeNull();
      const ids = [...page1.messages, ...page2.messages].map((m: { id: string }) => m.id);
      expect(new Set(ids).size).toBe(3);
      expect((await get('/api/messages?clientId=zen&since=2999-01-01T00:00:00Z')).json().messages).toEqual([]);

      // Another client's message is not found under this client.
      expect((await get(`/api/messages/${zen.messages[0].id}?clientId=acme`)).statusCode).toBe(404);
      expect((await get(`/api/messages/${zen.messages[0].id}?clientId=zen`)).statusCode).toBe(200);
      expect((await get('/api/messages')).statusCode).toBe(400);
      expect((await get('/api/messages?clientId=zen&limit=0')).statusCode).toBe(400);
      expect((await get('/api/messages?clientId=zen&since=yesterday')).statusCode).toBe(400);
    });
  });

  describe('delivery channels', () => {
    it('given channels written with a webhook secret then they read back without it, a secret-less update keeps it, and it never reaches the logs', async () => {
      const res = await put('/api/clients/zen/delivery-channels', { emails: ['ops@zen.example', 'boss@zen.example'], webhook: { url: 'https://zen.example/hook', secret: SECRET } });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(SECRET);
      expect(res.json()).toMatchObject({ clientId: 'zen', emails: ['ops@zen.example', 'boss@zen.example'], webhook: { url: 'https://zen.example/hook', hasSecret: true } });

      const keep = await put('/api/clients/zen/delivery-channels', { emails: ['ops@zen.example'], webhook: { url: 'https://zen.example/hook' } });
      expect(keep.statusCode).toBe(200);
      const read = await get('/api/clients/zen/delivery-channels');
      expect(read.body).not.toContain(SECRET);
      expect(read.json()).toMatchObject({ emails: ['ops@zen.example'], webhook: { url: 'https://zen.example/hook', hasSecret: true } });
      // The removed address is disabled, not deleted (deliveries refer to it).
      expect(read.json().channels.find((c: { target: string }) => c.target === 'boss@zen.example')).toMatchObject({ enabled: false });

      const none = await put('/api/clients/zen/delivery-channels', { emails: [], webhook: null });
      expect(none.json()).toMatchObject({ emails: [], webhook: null });
      expect(logLines.join('')).not.toContain(SECRET);
    });

    it('given a new webhook without a secret, a bad address or an unknown client then 400 or 404', async () => {
      const noSecret = await put('/api/clients/zen/delivery-channels', { emails: [], webhook: { url: 'https://new.example/hook' } });
      expect(noSecret.statusCode).toBe(400);
      expect(noSecret.json().error.code).toBe('webhook-secret-required');
      for (const body of [{ emails: ['not-an-address'], webhook: null }, { emails: [], webhook: { url: 'ftp://x', secret: SECRET } }, { emails: [], webhook: { url: 'https://x.example', secret: 'short' } }, { emails: [] }]) {
        const res = await put('/api/clients/zen/delivery-channels', body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('bad-request');
      }
      expect((await get('/api/clients/nobody/delivery-channels')).json().error.code).toBe('no-such-client');
      expect((await put('/api/clients/nobody/delivery-channels', { emails: [], webhook: null })).statusCode).toBe(404);
    });
  });

  describe('jobs admin', () => {
    it('given a delivery job that failed then it is listed with its reason and can be retried', async () => {
      const saved = await post('/api/messages', { clientId: 'acme', callerName: 'x', callerNumber: '1', body: 'fail me' });
      const deliveryId = (await get(`/api/messages/${saved.json().id}`)).json().deliveries[0].id as string;
      // A worker whose every delivery fails for good, run just long enough to fail the waiting jobs.
      const worker = new Worker('delivery', async () => {
        throw new UnrecoverableError('receiver said no');
      }, { connection: { url: REDIS_URL }, prefix: db.prefix, concurrency: 8 });
      const deadline = Date.now() + 10_000;
      let failed: Array<{ jobId: string; reason: string; data: { deliveryId: string } }> = [];
      while (Date.now() < deadline) {
        failed = (await get('/api/admin/queues/delivery/failed')).json().failed;
        if (failed.some((f) => f.data.deliveryId === deliveryId)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await worker.close();
      const job = failed.find((f) => f.data.deliveryId === deliveryId)!;
      expect(job).toMatchObject({ reason: 'receiver said no' });

      const retry = await post('/api/admin/queues/delivery/retry', { jobId: job.jobId });
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ queue: 'delivery', retried: [job.jobId] });
      expect((await get('/api/admin/queues/delivery/failed')).json().failed.some((f: { jobId: string }) => f.jobId === job.jobId)).toBe(false);
      // Retrying every failed job (the worker failed the others waiting too) leaves none failed.
      expect((await post('/api/admin/queues/delivery/retry', {})).statusCode).toBe(200);
      expect((await get('/api/admin/queues/delivery/failed')).json().failed).toEqual([]);
    });

    it('given an unknown queue or job then 404; a bad body 400', async () => {
      expect((await get('/api/admin/queues/nope/failed')).json().error.code).toBe('no-such-queue');
      expect((await post('/api/admin/queues/nope/retry', {})).statusCode).toBe(404);
      expect((await post('/api/admin/queues/delivery/retry', { jobId: 'delivery-none' })).json().error.code).toBe('no-such-job');
      expect((await post('/api/admin/queues/delivery/retry', { jobId: '' })).statusCode).toBe(400);
      expect((await get('/api/admin/queues/delivery/failed?limit=0')).statusCode).toBe(400);
    });
  });

  describe('analytics', () => {
    const range = `from=2026-11-23T10:00:00Z&to=2026-11-23T10:45:00Z`;

    it('given the fixture morning when recomputed then the company intervals are the hand-computed figures, as JSON and CSV', async () => {
      const rec = await post('/api/analytics/recompute', { from: '2026-11-23T10:00:00Z', to: '2026-11-23T10:45:00Z' });
      expect(rec.statusCode).toBe(200);
      expect(rec.json()).toMatchObject({ windows: 1, intervals: 3, calls: 8 });
      // Idempotent: the same again gives the same rows.
      const first = (await get(`/api/analytics/intervals?${range}&scope=company`)).json();
      await post('/api/analytics/recompute', { from: '2026-11-23T10:00:00Z', to: '2026-11-23T10:45:00Z' });
      const res = await get(`/api/analytics/intervals?${range}&scope=company`);
      expect(res.json()).toEqual(first);
      expect(first.intervals).toHaveLength(3);
      expect(first.intervals[0]).toMatchObject({
        intervalStart: '2026-11-23T10:00:00.000Z', scope: 'company', arrived: 8, offered: 7, answered: 5, answeredWithinThreshold: 3,
        abandoned: 2, shortAbandoned: 1, abandonedDuringRing: 1, closed: 1, ringNoAnswer: 1, answeredWaitMs: 90001, longestWaitMs: 25000, talkMs: 631000,
      });

      for (const csv of [await get(`/api/analytics/intervals?${range}&scope=company&format=csv`), await get(`/api/analytics/intervals?${range}&scope=company`, { accept: 'text/csv' })]) {
        expect(csv.statusCode).toBe(200);
        expect(csv.headers['content-type']).toMatch(/^text\/csv/);
        const lines = csv.body.trimEnd().split('\r\n');
        expect(lines).toHaveLength(4);
        expect(lines[1]).toMatch(/^2026-11-23T10:00:00\.000Z,company,20,8,7,5,3,2,1,1,0,1,1,90001,25000,631000,/);
      }
    });

    it('given a client or receptionist scope then only that scope\'s rows come back', async () => {
      const zen = (await get(`/api/analytics/intervals?${range}&scope=client&id=zen`)).json();
      expect(zen.intervals.length).toBeGreaterThan(0);
      expect(zen.intervals.every((r: { scope: string }) => r.scope === 'client:zen')).toBe(true);
      expect(zen.intervals[0]).toMatchObject({ arrived: 1, closed: 1, offered: 0 });
      const acme = (await get(`/api/analytics/intervals?${range}&scope=client:acme`)).json();
      expect(acme.intervals.every((r: { scope: string }) => r.scope === 'client:acme')).toBe(true);
      expect(acme.intervals[0].arrived).toBe(7);
      const rx2 = (await get(`/api/analytics/intervals?${range}&scope=receptionist&id=rx2`)).json();
      expect(rx2.intervals.every((r: { scope: string }) => r.scope === 'receptionist:rx2')).toBe(true);
      expect((await get(`/api/analytics/intervals?${range}&scope=client&id=nobody`)).json().intervals).toEqual([]);
    });

    it.each([
      ['scope=client', 'bad-scope'],
      ['scope=galaxy', 'bad-scope'],
      ['scope=company&id=acme', 'bad-scope'],
      ['scope=client:acme;drop', 'bad-scope'],
    ])('given intervals?%s then 400 %s', async (q, code) => {
      const res = await get(`/api/analytics/intervals?${range}&${q}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
    });

    it('given a bad range then 400', async () => {
      expect((await get('/api/analytics/intervals?from=2026-11-23T11:00:00Z&to=2026-11-23T10:00:00Z&scope=company')).json().error.code).toBe('bad-range');
      expect((await get('/api/analytics/intervals?from=yesterday&to=2026-11-23T10:00:00Z&scope=company')).json().error.code).toBe('bad-request');
      expect((await get('/api/analytics/intervals?scope=company')).statusCode).toBe(400);
      expect((await post('/api/analytics/recompute', { from: '2026-11-23T10:00:00Z' })).statusCode).toBe(400);
      expect((await post('/api/analytics/recompute', { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).json().error.code).toBe('bad-range');
    });

    it('given a bill for a month then spam-marked calls are left out at once; from/to and CSV give the same', async () => {
      const bill = await get('/api/analytics/billing?clientId=acme&period=2026-11');
      expect(bill.statusCode).toBe(200);
      expect(bill.json()).toMatchObject({ clientId: 'acme', billableSeconds: 660 });
      expect(bill.json().calls.every((c: { callId: string }) => c.callId !== 'c7')).toBe(true);
      const byRange = await get('/api/analytics/billing?clientId=acme&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z');
      expect(byRange.json().billableSeconds).toBe(660);

      const mark = await put('/api/calls/c4/disposition', { disposition: 'spam' });
      expect(mark.statusCode).toBe(200);
      expect((await get('/api/analytics/billing?clientId=acme&period=2026-11')).json().billableSeconds).toBe(540);
      const csv = await get('/api/analytics/billing?clientId=acme&period=2026-11&format=csv');
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.body).toMatch(/^clientId,callId,arrivedAt,/);
      expect(csv.body).toContain(',spam\r\n');
      expect((await put('/api/calls/c4/disposition', { disposition: null })).statusCode).toBe(200);
      expect((await get('/api/analytics/billing?clientId=acme&period=2026-11')).json().billableSeconds).toBe(660);

      // Another client's bill never lists acme's calls.
      const zen = (await get('/api/analytics/billing?clientId=zen&period=2026-11')).json();
      expect(zen.calls.map((c: { callId: string }) => c.callId)).toEqual(['c7']);
    });

    it('given bad billing or disposition requests then 400 or 404', async () => {
      expect((await get('/api/analytics/billing?clientId=acme')).json().error.code).toBe('bad-range');
      expect((await get('/api/analytics/billing?clientId=acme&period=2026-13')).json().error.code).toBe('bad-period');
      expect((await get('/api/analytics/billing?period=2026-11')).statusCode).toBe(400);
      expect((await put('/api/calls/c4/disposition', { disposition: 'rude' })).statusCode).toBe(400);
      expect((await put('/api/calls/c4/disposition', {})).statusCode).toBe(400);
      const unknown = await put('/api/calls/nope/disposition', { disposition: 'spam' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('no-such-call');
    });
  });
});
