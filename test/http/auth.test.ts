import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import * as crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CallService } from '../../src/calls/call-service';
import { buildHttp } from '../../src/http/server';
import { hashPassword, verifyPassword } from '../../src/http/passwords';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import type { ClientProfile } from '../../src/domain/model';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';
import { MemoryUserStore } from './memory-users';

// Counts constant-time comparisons: a password check must go through timingSafeEqual.
const timingSafe = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => (timingSafe.calls++, real.timingSafeEqual(a, b)) };
});

const fallback: ClientProfile = {
  id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};
const HOUR = 3_600_000;
const SERVICE = 'service-token-0123456789';
const PASSWORD = 'correct horse battery staple';

async function build(users: MemoryUserStore, clock: { t: number }, mode: 'required' | 'open' = 'required') {
  const directory = new MemoryDirectory();
  directory.people.set('rx1', { id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 5, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
  const now = { now: () => clock.t };
  const calls = new CallService({
    app: 'switchboard', pbx: new RecordingPbx(), directory, liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
    timers: { start() {}, cancel() {}, cancelAll() {} }, clock: now, logger: pino({ level: 'silent' }), defaultClient: fallback,
  });
  await calls.onPbxConnected();
  return buildHttp({
    logger: pino({ level: 'silent' }), apiToken: SERVICE, calls, callLog: new MemoryCallLog(), hub: new NoticeHub(), clock: now,
    health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
    auth: { users, mode, sessionTtlMs: 12 * HOUR, loginLimit: { maxFailures: 3, windowMs: 15 * 60_000 } },
  });
}

describe('users, logins and sessions', () => {
  let app: FastifyInstance;
  let users: MemoryUserStore;
  const clock = { t: Date.parse('2026-11-30T09:00:00Z') };
  const login = (email: string, password: string, ip = '10.0.0.1') => app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeEach(async () => {
    clock.t = Date.parse('2026-11-30T09:00:00Z');
    users = new MemoryUserStore();
    app = await build(users, clock);
    const res = await app.inject({ method: 'POST', url: '/api/users', headers: as(SERVICE), payload: { email: 'Sam@Example.com', name: 'Sam', role: 'receptionist', receptionistId: 'rx1', password: PASSWORD } });
    expect(res.statusCode).toBe(201);
  });
  afterEach(async () => {
    await app.close();
  });

  it('given a user when they log in then they get an opaque token that expires after SESSION_TTL_HOURS, and /auth/me says who they are', async () => {
    const res = await login('sam@example.com', PASSWORD);
    expect(res.statusCode).toBe(200);
    const { token, expiresAt, user } = res.json();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt)).toBe(clock.t + 12 * HOUR);
    expect(user).toMatchObject({ email: 'sam@example.com', role: 'receptionist', receptionistId: 'rx1' });
    expect(JSON.stringify(user)).not.toMatch(/scrypt|password/i);
    // Only the token's sha256 is stored.
    expect([...users.sessions.keys()]).toEqual([crypto.createHash('sha256').update(token).digest('hex')]);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: as(token) });
    expect(me.json()).toMatchObject({ kind: 'user', role: 'receptionist', user: { email: 'sam@example.com' } });
    expect((await app.inject({ method: 'GET', url: '/api/receptionists', headers: as(token) })).statusCode).toBe(200);

    clock.t += 12 * HOUR + 1;
    const late = await app.inject({ method: 'GET', url: '/api/receptionists', headers: as(token) });
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('unauthorized');
  });

  it('given a wrong password or an unknown email then 401 invalid-credentials, the same for both', async () => {
    const wrong = await login('sam@example.com', 'not the password');
    const unknown = await login('nobody@example.com', PASSWORD);
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('invalid-credentials');
  });

  it('given a disabled user then they cannot log in and their open sessions stop working', async () => {
    const { token } = (await login('sam@example.com', PASSWORD)).json();
    const id = [...users.rows.keys()][0];
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: as(SERVICE), payload: { disabled: true } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: as(token) })).statusCode).toBe(401);
    expect((await login('sam@example.com', PASSWORD)).json().error.code).toBe('invalid-credentials');
  });

  it('given a logged-in user when they log out then the token is dead', async () => {
    const { token } = (await login('sam@example.com', PASSWORD)).json();
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: as(token) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: as(token) })).statusCode).toBe(401);
  });

  it('given 3 failed logins from one IP for one email then the 4th is refused with 429 and Retry-After, even with the right password; another IP is not', async () => {
    for (let i = 0; i < 3; i++) expect((await login('sam@example.com', 'wrong one')).statusCode).toBe(401);
    const blocked = await login('sam@example.com', PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('too-many-attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('sam@example.com', PASSWORD, '10.0.0.2')).statusCode).toBe(200);
    clock.t += 15 * 60_000 + 1;
    expect((await login('sam@example.com', PASSWORD)).statusCode).toBe(200);
  });

  it('passwords are stored as scrypt hashes with a random salt, never in plain', async () => {
    const row = [...users.rows.values()][0]!;
    expect(row.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(row.passwordHash);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
    expect(await verifyPassword(PASSWORD + 'x', again)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'plain-text')).toBe(false);
  });

  it('the hash comparison is timing-safe (crypto.timingSafeEqual)', async () => {
    const hash = await hashPassword(PASSWORD);
    const before = timingSafe.calls;
    expect(await verifyPassword('guess', hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(timingSafe.calls - before).toBe(2);
  });

  it('given an admin when they create users then the role must fit (client needs clientId, receptionist a receptionistId) and emails are unique', async () => {
    const post = (payload: object) => app.inject({ method: 'POST', url: '/api/users', headers: as(SERVICE), payload });
    expect((await post({ email: 'c@example.com', role: 'client', password: PASSWORD })).json().error.code).toBe('bad-user');
    expect((await post({ email: 'a@example.com', role: 'admin', password: PASSWORD, clientId: 'acme' })).json().error.code).toBe('bad-user');
    expect((await post({ email: 'SAM@example.com', role: 'supervisor', password: PASSWORD })).statusCode).toBe(409);
    expect((await post({ email: 'a@example.com', role: 'admin', password: 'short' })).statusCode).toBe(400);
    expect((await post({ email: 'a@example.com', role: 'admin', password: PASSWORD, disabled: false })).statusCode).toBe(400);
    const list = await app.inject({ method: 'GET', url: '/api/users', headers: as(SERVICE) });
    expect(JSON.stringify(list.json())).not.toMatch(/scrypt/);
  });

  it('given API_AUTH=open then anonymous requests act as admin; a user token still only has its role', async () => {
    await app.close();
    app = await build(users, clock, 'open');
    expect((await app.inject({ method: 'GET', url: '/api/users' })).statusCode).toBe(200);
    const { token } = (await login('sam@example.com', PASSWORD)).json();
    expect((await app.inject({ method: 'GET', url: '/api/users', headers: as(token) })).statusCode).toBe(403);
  });

  it('the OpenAPI document is served without a token, describes the routes and the bearer scheme', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/users/{id}', '/api/receptionists/{id}/presence', '/api/calls/{id}']));
    expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
  });

  it('given a route with no access rule then the server refuses to start', async () => {
    const extra = await build(users, clock);
    extra.register(async (a) => {
      a.get('/api/not-in-the-policy', async () => ({}));
    });
    await expect(extra.ready()).rejects.toThrow(/no access rule for GET \/api\/not-in-the-policy/);
    await extra.close().catch(() => undefined);
  });
});
