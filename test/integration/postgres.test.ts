import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { createPostgres, migrate, type PostgresAdapters } from '../../src/adapters/postgres';
import type { ClientRecord } from '../../src/ports/directory';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `it_${randomBytes(4).toString('hex')}`;
const logger = pino({ level: 'silent' });

const acme: ClientRecord = {
  id: 'acme',
  name: 'Acme Plumbing',
  greeting: 'Thank you for calling Acme',
  mohClass: 'acme',
  holdPrompt: { media: 'sound:thanks', everySeconds: 30 },
  announcePosition: false,
  priorityTier: 1,
  maxWaitSeconds: 120,
  overflow: { kind: 'voicemail', mailbox: 'acme', greeting: 'sound:vm-intro', maxSeconds: 120 },
  numbers: ['+1 (503) 555-0100', '5035550101'],
};

describe('PostgreSQL adapters', () => {
  let a: PostgresAdapters;
  let b: PostgresAdapters;

  beforeAll(async () => {
    await Promise.all([migrate({ databaseUrl: DATABASE_URL, schema }), migrate({ databaseUrl: DATABASE_URL, schema })]);
    a = await createPostgres({ databaseUrl: DATABASE_URL, schema, logger });
    b = await createPostgres({ databaseUrl: DATABASE_URL, schema, logger });
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  it('given a client with numbers when a call dials one, in any common format, then the client is found; an unknown number gives null', async () => {
    await a.directoryAdmin.upsertClient(acme);
    expect(await a.directory.clientForNumber('+15035550100')).toMatchObject({ id: 'acme', name: 'Acme Plumbing', priorityTier: 1, holdPrompt: { everySeconds: 30 } });
    expect(await a.directory.clientForNumber('5035550101')).toMatchObject({ id: 'acme' });
    expect(await a.directory.clientForNumber('5039999999')).toBeNull();
  });

  it('given two instances when one changes the directory then the other sees it within a second', async () => {
    await a.directoryAdmin.upsertClient({ ...acme, id: 'zen', name: 'Zen Spa', numbers: ['5035550177'] });
    const deadline = Date.now() + 1000;
    let found = await b.directory.clientForNumber('5035550177');
    while (!found && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      found = await b.directory.clientForNumber('5035550177');
    }
    expect(found).toMatchObject({ id: 'zen', name: 'Zen Spa' });
    await a.directoryAdmin.upsertClient({ ...acme, id: 'zen', name: 'Zen Day Spa', numbers: ['5035550177'] });
    await new Promise((r) => setTimeout(r, 300));
    expect((await b.directory.clientForNumber('5035550177'))?.name).toBe('Zen Day Spa');
  });

  it('given receptionists in groups then their profiles carry the group settings', async () => {
    await a.directoryAdmin.upsertReceptionist({ id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'nights', wrapUpSeconds: 9, ringTimeoutSeconds: 12, maxMissedOffers: 3 });
    expect(await b.directory.receptionist('rx1')).toEqual({ id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'nights', wrapUpSeconds: 9, ringTimeoutSeconds: 12, maxMissedOffers: 3 });
    expect((await b.directory.receptionists()).map((r) => r.id)).toContain('rx1');
  });

  it('given a call timeline appended then the call row is summarised and the timeline reads back in order', async () => {
    const hostileName = "O'Brien \\'); DROP TABLE calls; -- <x> ☎";
    const t = Date.parse('2026-11-22T10:00:00Z');
    a.callLog.append({ kind: 'arrived', callId: 'c1', at: t, clientId: 'acme', did: '5035550100', caller: { name: hostileName, number: '5035551234' }, knownNumber: true });
    a.callLog.append({ kind: 'offered', callId: 'c1', at: t + 10, offerId: 'o1', receptionistId: 'rx1' });
    a.callLog.append({ kind: 'offer-ended', callId: 'c1', at: t + 2000, offerId: 'o1', receptionistId: 'rx1', outcome: 'answered' });
    a.callLog.append({ kind: 'answered', callId: 'c1', at: t + 2000, receptionistId: 'rx1', waitMs: 2000 });
    a.callLog.append({ kind: 'ended', callId: 'c1', at: t + 60_000, outcome: 'completed', waitMs: 2000, endedBy: 'caller' });
    await a.callLog.flush();
    const record = await b.callLog.call('c1');
    expect(record).toMatchObject({ id: 'c1', clientId: 'acme', callerName: hostileName, outcome: 'completed', waitMs: 2000, receptionistId: 'rx1' });
    expect(record!.timeline.map((e) => e.kind)).toEqual(['arrived', 'offered', 'offer-ended', 'answered', 'ended']);
    expect((await b.callLog.recentCalls({ limit: 10, clientId: 'acme' })).map((c) => c.id)).toEqual(['c1']);
    expect(await b.callLog.recentCalls({ limit: 10, clientId: 'other' })).toEqual([]);
  });

  it('given the database refuses writes for a while then appended entries are kept and written once it recovers, without duplicates', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL });
    await admin.query(`ALTER TABLE ${schema}.call_events RENAME TO call_events_away`);
    const t = Date.now();
    a.callLog.append({ kind: 'arrived', callId: 'c2', at: t, clientId: 'acme', did: '1', caller: { name: 'A', number: '1' }, knownNumber: true });
    a.callLog.append({ kind: 'ended', callId: 'c2', at: t + 5, outcome: 'abandoned', waitMs: 5, endedBy: 'caller' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.callLog.call('c2').catch(() => null)).toBeNull();
    await admin.query(`ALTER TABLE ${schema}.call_events_away RENAME TO call_events`);
    await a.callLog.flush();
    const record = await b.callLog.call('c2');
    expect(record).toMatchObject({ outcome: 'abandoned' });
    expect(record!.timeline).toHaveLength(2);
    await admin.end();
  });
});
