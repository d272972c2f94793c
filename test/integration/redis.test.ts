import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { createRedisLiveState } from '../../src/adapters/redis';
import type { CallSnapshot } from '../../src/domain/messages';
import { waitingCallSnapshot } from '../support/snapshots';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `it:${randomBytes(4).toString('hex')}:`;
const logger = pino({ level: 'silent' });
const call = (id: string, enqueuedAt: number): CallSnapshot => waitingCallSnapshot(id, enqueuedAt);

describe('Redis live state', () => {
  const raw = new Redis(REDIS_URL);
  afterAll(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length) await raw.del(...keys);
    raw.disconnect();
  });

  it('given saves and drops then another instance loads the latest state only', async () => {
    const a = createRedisLiveState({ redisUrl: REDIS_URL, keyPrefix: prefix, logger });
    a.store.saveCall(call('c1', 1));
    a.store.saveCall({ ...call('c1', 1), phase: 'offering' });
    a.store.saveCall(call('c2', 2));
    a.store.dropCall('c2');
    await a.store.flush();
    await a.close();
    const b = createRedisLiveState({ redisUrl: REDIS_URL, keyPrefix: prefix, logger });
    const state = await b.store.load();
    expect(state.calls).toEqual([{ ...call('c1', 1), phase: 'offering' }]);
    await b.close();
  });

  it('given a corrupt entry then it is skipped and the rest loads', async () => {
    await raw.hset(`${prefix}calls`, 'bad', '{not json');
    const s = createRedisLiveState({ redisUrl: REDIS_URL, keyPrefix: prefix, logger });
    const state = await s.store.load();
    expect(state.calls.map((c) => c.id)).toEqual(['c1']);
    await s.close();
  });

  it('given its connection is killed mid-stream then queued writes still arrive', async () => {
    const s = createRedisLiveState({ redisUrl: REDIS_URL, keyPrefix: prefix, logger });
    await s.redis.client('SETNAME', 'sb-it-victim');
    s.store.saveCall(call('c3', 3));
    await raw.call('CLIENT', 'KILL', 'ID', String(await s.redis.client('ID'))).catch(() => undefined);
    s.store.saveCall(call('c4', 4));
    await s.store.flush();
    const ids = Object.keys(await raw.hgetall(`${prefix}calls`)).sort();
    expect(ids).toEqual(expect.arrayContaining(['c3', 'c4']));
    await s.close();
  });
});
