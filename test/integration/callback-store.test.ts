import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/adapters/postgres';
import { PostgresCallbackStore } from '../../src/adapters/postgres/callbacks';
import { createLogger } from '../../src/logger';
import type { CallbackTicket } from '../../src/domain/callbacks';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('PostgresCallbackStore', () => {
  const schema = `cbs_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  let store: PostgresCallbackStore;

  beforeAll(async () => {
    await migrate({ databaseUrl: DATABASE_URL, schema });
    pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await pool.query(`INSERT INTO clients (id, name, overflow, callback_offer_after_seconds) VALUES ('acme', 'Acme', '{"kind":"announcement","media":"sound:x"}', 60)`);
    await pool.query(`INSERT INTO client_business_hours (client_id, weekday, opens, closes) VALUES ('acme', 1, '09:00', '17:00')`);
    store = new PostgresCallbackStore(pool, createLogger('silent'));
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  const ticket: CallbackTicket = {
    id: 'cb1', clientId: 'acme', number: '5035551234', name: 'Pat', note: '', did: '5035550100', attempts: 1,
    enqueuedAt: Date.UTC(2026, 10, 30, 10), priorityTier: 0, originalWaitMs: 40_000, originalCallId: 'c1',
    schedule: { timeZone: 'UTC', hours: [], closures: [] },
  };

  it('given an attempt whose outbox row exists when it is begun again then it is refused (one outbound call per attempt)', async () => {
    store.save(ticket, 'dialing', null, 'caller');
    expect(await store.beginAttempt('cb1', 1, 'sb-cb-cb1-1', 'rx1')).toBe(true);
    expect(await store.beginAttempt('cb1', 1, 'sb-cb-cb1-1', 'rx1')).toBe(false);
    await store.markAttemptSent('cb1', 1);
    const [pending] = await store.pending();
    expect(pending).toMatchObject({ status: 'dialing', ticket: { id: 'cb1', attempts: 1, enqueuedAt: ticket.enqueuedAt }, openAttempt: { attempt: 1, status: 'sent' } });
  });

  it('records outcomes, never reopens a finished callback, and reads the schedule', async () => {
    store.saveAttemptOutcome('cb1', 1, 'rx1', 'no-answer');
    store.save({ ...ticket }, 'failed', null, 'caller');
    store.save({ ...ticket }, 'queued', null, 'caller');
    await store.flush();
    const record = await store.get('cb1');
    expect(record).toMatchObject({ status: 'failed', attemptList: [{ attempt: 1, status: 'no-answer', receptionistId: 'rx1' }] });
    expect(await store.pending()).toEqual([]);
    expect(await store.schedule('acme', Date.now())).toMatchObject({ timeZone: 'UTC', hours: [{ weekday: 1, opens: '09:00:00', closes: '17:00:00' }] });
  });
});
