import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Office } from './support/office';

const DID = '5035550100';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('the running call server feeds analytics', () => {
  let office: Office;
  let pool: pg.Pool;

  beforeAll(async () => {
    office = await Office.open();
    await office.seed({ clients: [{ id: 'acme', name: 'Acme', numbers: [DID] }], receptionists: [{ id: 'rx1', wrapUpSeconds: 1 }] });
    pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${office.config.DATABASE_SCHEMA}`, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await office?.close();
  });

  it('given a receptionist who logs in and takes a call then presence history and queue_log rows are written, and the API serves the roll-up', async () => {
    const { lab } = office;
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 50 });
    await office.setPresence('rx1', 'available');
    const call = await lab.placeCall({ did: DID, callerName: 'Pat', callerNumber: '5035551234' });
    await lab.waitFor('connected to rx1', async () => (await call.view()).connectedTo === 'rx1');
    await lab.phoneHangup('rx1');
    await lab.waitFor('caller leg ended', async () => !(await call.view()).alive);
    await lab.waitFor('back to available after wrap-up', async () => (await office.presence('rx1')).kind === 'available', 10_000);

    const states = await lab.waitFor('presence history written', async () => {
      const { rows } = await pool.query("SELECT state FROM receptionist_events WHERE receptionist_id = 'rx1' ORDER BY at, seq");
      const list = rows.map((r) => r.state as string);
      return list.includes('wrap-up') && list[list.length - 1] === 'available' && list;
    });
    expect(states).toEqual(expect.arrayContaining(['available', 'ringing', 'on-call', 'wrap-up']));

    const events = await lab.waitFor('queue_log written', async () => {
      const { rows } = await pool.query('SELECT callid, queuename, agent, event FROM queue_log ORDER BY id');
      return rows.some((r) => r.event === 'COMPLETEAGENT' || r.event === 'COMPLETECALLER') && rows;
    });
    expect(events).toEqual(
      expect.arrayContaining([
        // acme was added after Switchboard started: its queue is learnt from its first call.
        expect.objectContaining({ queuename: 'default', agent: 'Agent/rx1', event: 'ADDMEMBER', callid: 'MANAGER' }),
        expect.objectContaining({ queuename: 'acme', agent: 'NONE', event: 'ENTERQUEUE' }),
        expect.objectContaining({ queuename: 'acme', agent: 'Agent/rx1', event: 'CONNECT' }),
      ]),
    );

    await office.setPresence('rx1', 'logged-out');
    await lab.waitFor('REMOVEMEMBER in the learnt queue too', async () => {
      const { rows } = await pool.query("SELECT queuename FROM queue_log WHERE event = 'REMOVEMEMBER' AND agent = 'Agent/rx1'");
      return rows.some((r) => r.queuename === 'acme') && rows.some((r) => r.queuename === 'default');
    });

    const now = new Date();
    const from = new Date(now.getTime() - 3_600_000).toISOString();
    const recompute = await office.api('POST', '/api/analytics/recompute', { from, to: new Date(now.getTime() + 900_000).toISOString() });
    expect(recompute.status).toBe(200);
    const res = await office.api('GET', `/api/analytics/intervals?from=${from}&to=${new Date(now.getTime() + 900_000).toISOString()}&scope=client&id=acme`);
    const totals = (res.body.intervals as Array<{ arrived: number; answered: number }>).reduce((t, r) => ({ arrived: t.arrived + r.arrived, answered: t.answered + r.answered }), { arrived: 0, answered: 0 });
    expect(totals).toEqual({ arrived: 1, answered: 1 });
  });
});
