import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabCall } from './lab/lab';
import { Office } from './support/office';

const DID = '5035550100';
const caller = (n: number) => ({ did: DID, callerName: `Caller ${n}`, callerNumber: `50355513${String(n).padStart(2, '0')}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restarts and races', () => {
  let office: Office;

  beforeEach(async () => {
    office = await Office.open();
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID] }] });
  });

  afterEach(async () => {
    await office.close();
  });

  it('given 3 bridged calls and 5 waiting callers when Switchboard restarts then the bridged calls stay connected and the waiting keep their place and wait time', async () => {
    const { lab } = office;
    const ids = ['rx1', 'rx2', 'rx3'];
    await office.seed({ receptionists: ids.map((id) => ({ id, wrapUpSeconds: 0 })) });
    for (const id of ids) await lab.setPhone(id, { kind: 'answer', afterMs: 50 });
    await office.loginInOrder(...ids);

    const bridged: LabCall[] = [];
    for (let n = 1; n <= 3; n++) bridged.push(await lab.placeCall(caller(n)));
    await lab.waitFor('3 callers connected', async () => {
      const views = await Promise.all(bridged.map((c) => c.view()));
      return views.every((v) => v.connectedTo);
    });
    const pairs = new Map<string, string>();
    for (const c of bridged) {
      const v = await c.view();
      pairs.set(v.channelId, v.connectedTo!);
    }
    const waiting: LabCall[] = [];
    for (let n = 4; n <= 8; n++) {
      waiting.push(await lab.placeCall(caller(n)));
      await sleep(20);
    }
    await lab.waitFor('5 waiting', async () => (await office.api('GET', '/api/queue')).body.waiting.length === 5);
    const orderBefore = (await office.api('GET', '/api/queue')).body.waiting.map((w: any) => w.callId);

    await office.stopSwitchboard();
    await sleep(300);
    for (const c of bridged) expect((await c.view()).connectedTo).toBe(pairs.get((await c.view()).channelId));
    await office.start();

    // Still connected, to the same receptionists; nobody is on two calls.
    for (const c of bridged) {
      const v = await c.view();
      expect(v.alive).toBe(true);
      expect(v.connectedTo).toBe(pairs.get(v.channelId));
    }
    for (const id of ids) expect(await office.presence(id)).toMatchObject({ kind: 'on-call' });
    const queue = (await office.api('GET', '/api/queue')).body.waiting;
    expect(queue.map((w: any) => w.callId)).toEqual(orderBefore);
    expect(queue[0].waitMs).toBeGreaterThanOrEqual(300);

    // When a receptionist hangs up, the caller who waited longest is next.
    const firstPair = [...pairs.entries()][0];
    await lab.phoneHangup(firstPair[1]);
    await lab.waitFor('longest waiter connected', async () => (await waiting[0].view()).connectedTo === firstPair[1]);
    for (const w of waiting.slice(1)) expect((await w.view()).connectedTo).toBeNull();
  });

  it('given a bridged call when the ARI WebSocket drops then the call stays up and calls after the reconnect are served', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }, { id: 'rx2' }] });
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 30 });
    await lab.setPhone('rx2', { kind: 'answer', afterMs: 30 });
    await office.loginInOrder('rx1', 'rx2');
    const first = await lab.placeCall(caller(1));
    await lab.waitFor('connected', async () => (await first.view()).connectedTo === 'rx1');

    office.switchboard.ari.dropSocket();
    await lab.waitFor('reconnected', async () => office.switchboard.ari.isConnected && office.switchboard.ari.reconnects > 0);
    expect((await first.view()).connectedTo).toBe('rx1');

    const second = await lab.placeCall(caller(2));
    await lab.waitFor('second caller served by rx2', async () => (await second.view()).connectedTo === 'rx2');
    await lab.phoneHangup('rx1');
    await lab.waitFor('first call ended', async () => !(await first.view()).alive);
  });

  it('race: the caller hangs up as the receptionist answers: the receptionist is not left on a dead call', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1', wrapUpSeconds: 0 }] });
    await lab.setPhone('rx1', { kind: 'no-answer' });
    await office.loginInOrder('rx1');
    const call = await lab.placeCall(caller(1));
    const channelId = (await call.view()).channelId;
    await lab.waitFor('rx1 rings', async () => (await lab.phone('rx1')).ringing);

    await Promise.all([call.hangup(), lab.phoneAnswer('rx1')]);

    await lab.waitFor('rx1 has no call', async () => !(await lab.phone('rx1')).activeChannelId && !(await lab.phone('rx1')).ringing, 3000);
    await lab.waitFor('rx1 available again', async () => (await office.presence('rx1')).kind === 'available', 3000);
    expect((await office.endedCall(channelId)).outcome).toMatch(/abandoned|completed/);
    await lab.waitFor('no bridge left behind', async () => (await office.ari<any[]>('/bridges')).every((b) => !b.id.startsWith('sb-call-')) || null, 3000);
  });

  it('race: a receptionist logs out while ringing: the phone stops and the caller goes to the next receptionist keeping their place', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }, { id: 'rx2' }] });
    await lab.setPhone('rx1', { kind: 'no-answer' });
    await lab.setPhone('rx2', { kind: 'answer', afterMs: 50 });
    await office.loginInOrder('rx1');
    const call = await lab.placeCall(caller(1));
    await lab.waitFor('rx1 rings', async () => (await lab.phone('rx1')).ringing);
    await office.setPresence('rx2', 'available');
    await office.setPresence('rx1', 'logged-out');

    await lab.waitFor('rx1 stops ringing', async () => !(await lab.phone('rx1')).ringing, 2000);
    await lab.waitFor('caller with rx2', async () => (await call.view()).connectedTo === 'rx2');
    expect(await office.presence('rx1')).toEqual({ kind: 'logged-out' });
  });

  it('race: two callers at the same instant and one free receptionist: exactly one offer rings them', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }] });
    await lab.setPhone('rx1', { kind: 'no-answer' });
    await office.loginInOrder('rx1');
    const [a, b] = await Promise.all([lab.placeCall(caller(1)), lab.placeCall(caller(2))]);
    await lab.waitFor('rx1 rings', async () => (await lab.phone('rx1')).ringing);
    await sleep(300);
    expect((await lab.phone('rx1')).offers).toBe(1);
    const queue = (await office.api('GET', '/api/queue')).body.waiting;
    expect(queue).toHaveLength(1);
    expect([(await a.view()).alive, (await b.view()).alive]).toEqual([true, true]);
  });

  it('given Switchboard is down when a call arrives then Stasis fails and the dialplan fallback takes the caller', async () => {
    const { lab } = office;
    await office.stopSwitchboard();
    const call = await lab.placeCall(caller(1));
    await lab.waitFor('fallback took the call', async () => (await call.view()).fellBack);
    await office.start();
  });
});
