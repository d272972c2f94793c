import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabCall } from './lab/lab';
import { Office } from './support/office';
import { EventStream } from './support/sse';

const DID = '5035550100';
const caller = (n: number) => ({ did: DID, callerName: `Caller ${n}`, callerNumber: `50355512${String(n).padStart(2, '0')}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('core call path', () => {
  let office: Office;

  beforeEach(async () => {
    office = await Office.open();
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', greeting: 'Thank you for calling Acme Plumbing', numbers: [DID], mohClass: 'acme-jazz' }] });
  });

  afterEach(async () => {
    await office.close();
  });

  it('given one available receptionist when a caller dials the client then they are connected, the console gets a screen pop, and hanging up ends both legs', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1', wrapUpSeconds: 1 }] });
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.loginInOrder('rx1');
    const events = await EventStream.open(`${office.baseUrl}/api/events`, office.authHeaders);

    const call = await lab.placeCall(caller(1));
    const connected = await lab.waitFor('caller connected to rx1', async () => (await call.view()).connectedTo === 'rx1' && call.view());
    expect(connected!.mohClass).toBeNull();
    expect(await office.presence('rx1')).toMatchObject({ kind: 'on-call' });

    const pop = await lab.waitFor('screen pop', async () => events.ofType('screen-pop')[0]);
    expect(pop.pop).toMatchObject({ clientId: 'acme', clientName: 'Acme Plumbing', callerName: 'Caller 1', callerNumber: '5035551201', did: DID, receptionistId: 'rx1' });
    expect(pop.pop.waitMs).toBeGreaterThanOrEqual(0);
    events.close();

    await lab.phoneHangup('rx1');
    await lab.waitFor('caller leg ended too', async () => !(await call.view()).alive);
    expect(await office.presence('rx1')).toMatchObject({ kind: 'wrap-up' });
    await lab.waitFor('rx1 available after wrap-up', async () => (await office.presence('rx1')).kind === 'available', 3000);

    const record = await office.endedCall(connected!.channelId);
    expect(record).toMatchObject({ clientId: 'acme', outcome: 'completed', receptionistId: 'rx1' });
    expect(record.timeline.map((e: any) => e.kind)).toEqual(['arrived', 'offered', 'offer-ended', 'answered', 'ended']);
    const bridges = await office.ari<any[]>('/bridges');
    await lab.waitFor('no bridge left behind', async () => (await office.ari<any[]>('/bridges')).every((b) => !b.id.startsWith('sb-call-')) || null);
    expect(bridges).toBeDefined();
  });

  it('given 5 receptionists idle for different times and 20 callers when they call then the longest idle answer first and callers are served longest-wait first', async () => {
    const { lab } = office;
    const ids = ['rx1', 'rx2', 'rx3', 'rx4', 'rx5'];
    await office.seed({ receptionists: ids.map((id) => ({ id, wrapUpSeconds: 0 })) });
    for (const id of ids) await lab.setPhone(id, { kind: 'answer', afterMs: 60 });
    // Login order makes rx3 the longest idle, then rx1, rx5, rx2, rx4.
    await office.loginInOrder('rx3', 'rx1', 'rx5', 'rx2', 'rx4');

    const calls: LabCall[] = [];
    for (let n = 1; n <= 20; n++) {
      calls.push(await lab.placeCall(caller(n)));
      await sleep(10);
    }
    // Each receptionist talks briefly, then hangs up and takes the next caller.
    const answeredOrder: string[] = [];
    const firstReceptionists: string[] = [];
    const served = new Set<number>();
    await lab.waitFor(
      'all 20 callers served',
      async () => {
        for (let i = 0; i < calls.length; i++) {
          if (served.has(i)) continue;
          const v = await calls[i].view();
          if (v.connectedTo) {
            served.add(i);
            answeredOrder.push(v.channelId);
            if (firstReceptionists.length < 5) firstReceptionists.push(v.connectedTo);
            setTimeout(() => void lab.phoneHangup(v.connectedTo!), 80);
          }
        }
        return served.size === 20;
      },
      30_000,
    );
    expect(firstReceptionists).toEqual(['rx3', 'rx1', 'rx5', 'rx2', 'rx4']);

    // Served in arrival order: answered times rise with arrival.
    const records = [];
    for (const c of calls) records.push(await office.endedCall((await c.view()).channelId));
    const answeredAt = records.map((r) => new Date(r.answeredAt).getTime());
    expect([...answeredAt].sort((a, b) => a - b)).toEqual(answeredAt);
    expect(records.every((r) => r.outcome === 'completed')).toBe(true);
  });

  it('given the longest-idle receptionist does not answer when the ring timeout passes then the next one is rung, and two misses in a row pause them with reason missed-calls', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1', ringTimeoutSeconds: 1, maxMissedOffers: 2 }, { id: 'rx2', ringTimeoutSeconds: 1 }] });
    await lab.setPhone('rx1', { kind: 'no-answer' });
    await lab.setPhone('rx2', { kind: 'answer', afterMs: 100 });
    await office.loginInOrder('rx1', 'rx2');

    const first = await lab.placeCall(caller(1));
    await lab.waitFor('rx1 rings', async () => (await lab.phone('rx1')).ringing);
    await lab.waitFor('after the ring timeout rx2 has the caller', async () => (await first.view()).connectedTo === 'rx2', 5000);
    expect((await lab.phone('rx1')).ringing).toBe(false);
    expect(await office.presence('rx1')).toMatchObject({ kind: 'available' });

    const second = await lab.placeCall(caller(2));
    await lab.waitFor('rx1 rings again', async () => (await lab.phone('rx1')).offers >= 2 && (await lab.phone('rx1')).ringing);
    await lab.waitFor('rx1 paused for missed calls', async () => (await office.presence('rx1')).kind === 'paused', 5000);
    expect(await office.presence('rx1')).toEqual({ kind: 'paused', reason: 'missed-calls' });
    expect((await lab.phone('rx1')).ringing).toBe(false);
    expect((await second.view()).alive).toBe(true);
    if (lab.observesMedia) await lab.waitFor('second caller on hold', async () => (await second.view()).mohClass === 'acme-jazz');

    const record = await office.api('GET', `/api/calls/${encodeURIComponent((await first.view()).channelId)}`);
    const outcomes = record.body.timeline.filter((e: any) => e.kind === 'offer-ended').map((e: any) => [e.receptionistId, e.outcome]);
    expect(outcomes).toEqual([['rx1', 'no-answer'], ['rx2', 'answered']]);
  });

  it('given nobody is free when a caller waits and hangs up then they heard the client hold music and the call is recorded as abandoned with its wait', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }] });
    await office.setPresence('rx1', 'paused', 'lunch');

    const call = await lab.placeCall(caller(1));
    const view = await lab.waitFor('caller answered and waiting', async () => {
      const v = await call.view();
      return v.state === 'Up' && v;
    });
    if (lab.observesMedia) await lab.waitFor('hold music of the client', async () => (await call.view()).mohClass === 'acme-jazz');
    const queue = await office.api('GET', '/api/queue');
    expect(queue.body.waiting).toHaveLength(1);
    expect(queue.body.waiting[0]).toMatchObject({ position: 1, clientId: 'acme', callerName: 'Caller 1' });
    await sleep(300);
    await call.hangup();

    const record = await office.endedCall(view.channelId);
    expect(record.outcome).toBe('abandoned');
    expect(record.waitMs).toBeGreaterThanOrEqual(250);
    expect((await office.api('GET', '/api/queue')).body.waiting).toHaveLength(0);
  });

  it('given a receptionist is ringing when the caller hangs up then the phone stops ringing at once and the call is abandoned', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }] });
    await lab.setPhone('rx1', { kind: 'no-answer' });
    await office.loginInOrder('rx1');

    const call = await lab.placeCall(caller(1));
    await lab.waitFor('rx1 rings', async () => (await lab.phone('rx1')).ringing);
    const channelId = (await call.view()).channelId;
    await call.hangup();
    await lab.waitFor('rx1 stops ringing', async () => !(await lab.phone('rx1')).ringing, 2000);
    const record = await office.endedCall(channelId);
    expect(record.outcome).toBe('abandoned');
    expect(await office.presence('rx1')).toMatchObject({ kind: 'available' });
  });

  it('given an unknown dialled number when a call arrives then the company-wide default answers it, never dead air', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }] });
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 50 });
    await office.loginInOrder('rx1');

    const call = await lab.placeCall({ did: '5039999999', callerName: 'Wrong Number', callerNumber: '5035550000' });
    const v = await lab.waitFor('connected', async () => (await call.view()).connectedTo === 'rx1' && call.view());
    const live = await office.api('GET', '/api/calls/live');
    expect(live.body.calls.find((c: any) => c.id === v.channelId)).toMatchObject({ clientId: 'default', knownNumber: false });
  });

  it('given nobody is logged in when a caller dials then they reach the client voicemail and the recording is linked to the call', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx1' }] });

    const call = await lab.placeCall(caller(1));
    const channelId = (await lab.waitFor('in Stasis', async () => (await call.view()).state === 'Up' && call.view())).channelId;
    if (lab.observesMedia) {
      await lab.waitFor('voicemail greeting plays', async () => (await call.view()).playing === 'sound:vm-intro');
      await lab.waitFor('recording the message', async () => (await call.view()).recording);
    } else {
      await sleep(1500);
    }
    await sleep(200);
    await call.hangup();
    const record = await lab.waitFor('voicemail linked', async () => {
      const r = await office.endedCall(channelId);
      return r.voicemailRecording && r;
    });
    expect(record.outcome).toBe('voicemail');
    expect(record.voicemailRecording).toBe(`voicemail-${channelId}`);
    expect(record.timeline.find((e: any) => e.kind === 'overflowed')).toMatchObject({ reason: 'nobody-logged-in', treatment: 'voicemail' });
  });

  it('given a caller has waited longer than the client limit when nobody frees up then they hear the closing announcement and the call ends', async () => {
    const { lab } = office;
    await office.seed({
      clients: [{ id: 'short', numbers: ['5035550199'], maxWaitSeconds: 1, overflow: { kind: 'announcement', media: 'sound:office-closed' } }],
      receptionists: [{ id: 'rx1' }],
    });
    await office.setPresence('rx1', 'paused', 'meeting');
    const call = await lab.placeCall({ did: '5035550199', callerName: 'Patient', callerNumber: '5035551111' });
    const channelId = (await lab.waitFor('waiting', async () => (await call.view()).state === 'Up' && call.view())).channelId;
    if (lab.observesMedia) await lab.waitFor('announcement plays', async () => (await call.view()).playing === 'sound:office-closed', 4000);
    await lab.waitFor('call ended by Switchboard', async () => !(await call.view()).alive, 6000);
    const record = await office.endedCall(channelId);
    expect(record.outcome).toBe('announcement');
    expect(record.timeline.find((e: any) => e.kind === 'overflowed')).toMatchObject({ reason: 'max-wait' });
  });
});
