import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { CallService } from '../../src/calls/call-service';
import { buildHttp } from '../../src/http/server';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';
import type { ClientProfile } from '../../src/domain/model';

const fallback: ClientProfile = {
  id: 'default',
  name: 'Default',
  greeting: 'Hi',
  mohClass: 'default',
  holdPrompt: null,
  announcePosition: false,
  priorityTier: 0,
  maxWaitSeconds: 0,
  overflow: { kind: 'announcement', media: 'sound:goodbye' },
};

async function build(opts: { token?: string; failingLog?: boolean } = {}) {
  const directory = new MemoryDirectory();
  directory.people.set('rx1', { id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 5, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
  const callLog = new MemoryCallLog();
  if (opts.failingLog) {
    callLog.recentCalls = async () => {
      throw new Error('password authentication failed for user "secret-user" at 10.0.0.5');
    };
  }
  const calls = new CallService({
    app: 'switchboard',
    pbx: new RecordingPbx(),
    directory,
    liveState: new MemoryLiveState(),
    callLog,
    notifier: new NoticeHub(),
    timers: { start() {}, cancel() {}, cancelAll() {} },
    clock: { now: () => 5_000 },
    logger: pino({ level: 'silent' }),
    defaultClient: fallback,
  });
  await calls.onPbxConnected();
  return buildHttp({
    logger: pino({ level: 'silent' }),
    apiToken: opts.token,
    calls,
    callLog,
    hub: new NoticeHub(),
    clock: { now: () => 5_000 },
    health: { check: async () => ({ asterisk: true, postgres: true, redis: false }) },
  });
}

describe('HTTP API', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await build();
  });
  afterEach(async () => {
    await app.close();
  });

  it('given a logged-out receptionist when they become available then the API shows them available', async () => {
    const res = await app.inject({ method: 'PUT', url: '/api/receptionists/rx1/presence', payload: { state: 'available' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'rx1', presence: { kind: 'available' } });
    const paused = await app.inject({ method: 'PUT', url: '/api/receptionists/rx1/presence', payload: { state: 'paused', reason: 'lunch' } });
    expect(paused.json().presence).toEqual({ kind: 'paused', reason: 'lunch' });
  });

  it.each([
    [{ state: 'on-call' }],
    [{ state: 'paused' }],
    [{ state: 'paused', reason: '<script>' }],
    [{ state: 'available', clientId: 'other' }],
    ['not json at all'],
    [{}],
  ])('given a bad presence body %j then 400 with a stable code', async (payload) => {
    const res = await app.inject({ method: 'PUT', url: '/api/receptionists/rx1/presence', payload: payload as never, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad-request');
  });

  it('given an unknown receptionist then 404 no-such-receptionist', async () => {
    const res = await app.inject({ method: 'PUT', url: '/api/receptionists/nobody/presence', payload: { state: 'available' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('no-such-receptionist');
  });

  it('given a dependency down then readiness is 503 and names it', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not-ready', checks: { asterisk: true, postgres: true, redis: false } });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('given an internal failure then the 500 body leaks nothing', async () => {
    const failing = await build({ failingLog: true });
    const res = await failing.inject({ method: 'GET', url: '/api/calls' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret-user|10\.0\.0\.5|password/);
    expect(res.json().error.code).toBe('internal');
    await failing.close();
  });

  it('given an API token when a request has no or a wrong bearer then 401, and health stays open', async () => {
    const secured = await build({ token: 'a-long-enough-token-123' });
    expect((await secured.inject({ method: 'GET', url: '/api/receptionists' })).statusCode).toBe(401);
    expect((await secured.inject({ method: 'GET', url: '/api/receptionists', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await secured.inject({ method: 'GET', url: '/api/receptionists', headers: { authorization: 'Bearer a-long-enough-token-123' } })).statusCode).toBe(200);
    expect((await secured.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    await secured.close();
  });

  it('given a bad limit on the call list then 400', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/calls?limit=100000' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/calls?limit=abc' })).statusCode).toBe(400);
  });
});
