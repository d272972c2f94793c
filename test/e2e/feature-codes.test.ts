import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Office } from './support/office';
import type { LabCall } from './lab/lab';

const DID = '5035550100';
const DANA = '+15035557777';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Receptionist feature codes end to end: digits keyed on the receptionist's phone (RFC 4733,
 * reported by the dtmf_events bridge on their leg) and the same operations through the API.
 */
describe('feature codes', () => {
  let office: Office;
  let numberPhone: (e164: string) => string;

  beforeEach(async () => {
    office = await Office.open();
    numberPhone = await office.dialTransfersThroughLab({ TRANSFER_RING_SECONDS: 5 });
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID], mohClass: 'acme-moh' }], receptionists: [{ id: 'rx1', wrapUpSeconds: 2 }] });
    const admin = office.switchboard.directoryAdmin;
    await admin.upsertContact('acme', { code: '1', name: 'Dana Owner', number: DANA, extension: null, alwaysScreen: false, availability: 'available', note: '' });
    await admin.upsertContact('acme', { code: '2', name: 'Sam Away', number: '+15035558888', extension: null, alwaysScreen: false, availability: 'away', note: 'back Monday' });
    await admin.upsertAllowRule('acme', { pattern: '+1503555', exact: false, international: false, premium: false });
    await office.lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.setPresence('rx1', 'available');
  });

  afterEach(async () => {
    await office.close();
  });

  /** A caller connected to rx1; returns the call and its id. */
  async function connectedCall(): Promise<{ call: LabCall; callId: string }> {
    const call = await office.lab.placeCall({ did: DID, callerName: 'Pat Caller', callerNumber: '5035551234' });
    const view = await office.lab.waitFor('connected to rx1', async () => {
      const v = await call.view();
      return v.connectedTo === 'rx1' && v;
    });
    return { call, callId: view.channelId };
  }

  const timeline = async (callId: string) => ((await office.api('GET', `/api/calls/${encodeURIComponent(callId)}`)).body?.timeline ?? []) as any[];

  it('given a connected call when the receptionist keys ## 1 # then the caller is sent to the contact, rx1 is released and the attempt is in the timeline', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'answer', afterMs: 200 });
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '##1#');
    await lab.waitFor('caller bridged with the contact', async () => (await call.view()).connectedTo === numberPhone(DANA), 6000);
    expect((await lab.phone('rx1')).activeChannelId).toBeNull();
    expect(['wrap-up', 'available']).toContain((await office.presence('rx1')).kind);
    const entries = await lab.waitFor('transfer logged', async () => {
      const t = await timeline(callId);
      return t.some((e) => e.kind === 'transfer-ended') && t;
    });
    expect(entries.find((e) => e.kind === 'transfer')).toMatchObject({ receptionistId: 'rx1', trigger: 'phone', result: 'dialing', destination: DANA, contactCode: '1' });
    expect(entries.find((e) => e.kind === 'transfer-ended')).toMatchObject({ outcome: 'answered', next: 'connected' });
    await call.hangup();
    const record = await office.endedCall(callId);
    expect(record.outcome).toBe('completed');
  });

  it('given a connected call when the caller keys feature codes then nothing happens', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await call.sendDtmf('##1#**');
    await sleep(1500);
    const v = await call.view();
    expect(v.alive).toBe(true);
    expect(v.connectedTo).toBe('rx1');
    expect((await lab.phone(numberPhone(DANA))).offers).toBe(0);
    expect((await timeline(callId)).filter((e) => e.kind === 'transfer' || e.kind === 'feature')).toEqual([]);
  });

  it('given a transfer through the API to a number outside the client list then it is refused and the call is unharmed', async () => {
    const { callId, call } = await connectedCall();
    const refused = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to: { number: '+19005551234' }, mode: 'blind' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('destination-not-allowed');
    const abroad = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to: { number: '+2322221234' } });
    expect(abroad.body.error.code).toBe('destination-not-allowed');
    const away = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to: { contactCode: '2' } });
    expect(away.status).toBe(409);
    expect(away.body.error).toMatchObject({ code: 'contact-unavailable', voicemailOffered: true });
    expect((await call.view()).connectedTo).toBe('rx1');
    expect((await office.presence('rx1')).kind).toBe('on-call');
    const entries = await office.lab.waitFor('refusals logged', async () => {
      const t = (await timeline(callId)).filter((e) => e.kind === 'transfer');
      return t.length === 3 && t;
    });
    expect(entries.every((e) => e.result === 'refused' && e.trigger === 'api' && e.receptionistId === 'rx1')).toBe(true);
  });

  it('given injection strings in a transfer request then each is refused as invalid-destination and nothing is dialled', async () => {
    const { callId, call } = await connectedCall();
    const originates = 'sim' in office.lab ? (office.lab as any).sim : null;
    let dialled = 0;
    const off = originates?.onOriginate?.(() => dialled++);
    for (const to of [
      { number: '5035557777&Local/1@default' },
      { number: '5035557777,60' },
      { number: 'Local/5035557777@default' },
      { number: '5035557777@evil' },
      { number: '${EXTEN}' },
      { number: '5035557777\r\nAction: Originate' },
      { extension: '201&PJSIP/x' },
      { contactCode: '1,1' },
    ]) {
      const r = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to });
      expect(r.status, JSON.stringify(to)).toBe(400);
      expect(r.body.error.code).toBe('invalid-destination');
    }
    if (typeof off === 'function') off();
    expect(dialled).toBe(0);
    expect((await call.view()).connectedTo).toBe('rx1');
  });

  it('given another receptionist or an unknown call then the API answers not-your-call and no-such-call', async () => {
    const { callId } = await connectedCall();
    expect((await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/hangup`, { receptionistId: 'rx9' })).body.error.code).toBe('not-your-call');
    expect((await office.api('POST', '/api/calls/nope/hold', { receptionistId: 'rx1' })).body.error.code).toBe('no-such-call');
  });

  it('given *0 on the phone then the caller hears the client music away from the receptionist, and *0 again brings them back', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*0');
    await lab.waitFor('caller on hold', async () => {
      const v = await call.view();
      return v.connectedTo === null && (!lab.observesMedia || v.mohClass === 'acme-moh');
    });
    expect((await lab.phone('rx1')).activeChannelId).not.toBeNull();
    await lab.phoneSendDtmf('rx1', '*0');
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1');
    const resume = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/resume`, { receptionistId: 'rx1' });
    expect(resume.body.error.code).toBe('not-on-hold');
    expect((await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/hold`, { receptionistId: 'rx1' })).status).toBe(200);
    await lab.waitFor('caller on hold through the API', async () => (await call.view()).connectedTo === null);
    expect((await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/resume`, { receptionistId: 'rx1' })).status).toBe(200);
    await lab.waitFor('caller back again', async () => (await call.view()).connectedTo === 'rx1');
  });

  it('given *9 then the caller leaves a voicemail linked to the call and the receptionist is released', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*9');
    if (lab.observesMedia) await lab.waitFor('recording the caller', async () => (await call.view()).recording === `voicemail-${callId}`, 6000);
    await lab.waitFor('rx1 released', async () => (await lab.phone('rx1')).activeChannelId === null);
    await sleep(300);
    await call.hangup();
    const record = await office.endedCall(callId);
    expect(record.outcome).toBe('voicemail');
    if (lab.observesMedia) expect(record.voicemailRecording).toBe(`voicemail-${callId}`);
    expect(record.timeline.find((e: any) => e.kind === 'feature')).toMatchObject({ action: 'voicemail', trigger: 'phone', receptionistId: 'rx1' });
  });

  it('given ** then the caller is hung up and the call record is completed by the receptionist', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '**');
    await lab.waitFor('caller hung up', async () => !(await call.view()).alive);
    const record = await office.endedCall(callId);
    expect(record.outcome).toBe('completed');
    expect(record.timeline.at(-1)).toMatchObject({ kind: 'ended', endedBy: 'receptionist' });
    await lab.waitFor('rx1 free again', async () => (await office.presence('rx1')).kind === 'available', 5000);
  });

  it('given an invalid code then only the receptionist hears the error tone and the call goes on', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*5');
    if ('sim' in lab) {
      const sim = (lab as unknown as { sim: { channel(id: string): { playing: string | null } | undefined } }).sim;
      const leg = (await lab.phone('rx1')).activeChannelId!;
      await lab.waitFor('error tone on the receptionist leg', async () => sim.channel(leg)?.playing === 'sound:beeperr', 3000);
      expect((await call.view()).playing).toBeNull();
    } else await sleep(800);
    const v = await call.view();
    expect(v.connectedTo).toBe('rx1');
    expect((await timeline(callId)).filter((e) => e.kind === 'transfer' || e.kind === 'feature')).toEqual([]);
  });

  it('given a receptionist halfway through a code when the caller hangs up then the call ends cleanly and the unfinished code is dropped', async () => {
    const { lab } = office;
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '##50355');
    await sleep(350);
    await call.hangup();
    const record = await office.endedCall(callId);
    expect(record.outcome).toBe('completed');
    expect(record.timeline.filter((e: any) => e.kind === 'transfer')).toEqual([]);
    await lab.waitFor('rx1 free again', async () => (await office.presence('rx1')).kind === 'available', 5000);
    const again = await connectedCall();
    expect((await again.call.view()).connectedTo).toBe('rx1');
  });

  it('given a blind transfer when the destination is busy then the caller comes back to the receptionist', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone('+15035550199'), { kind: 'busy' });
    const { call, callId } = await connectedCall();
    const r = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to: { number: '5035550199' }, mode: 'blind' });
    expect(r.status).toBe(200);
    await lab.waitFor('the caller is back with rx1', async () => {
      const t = await timeline(callId);
      return t.some((e) => e.kind === 'transfer-ended') && (await call.view()).connectedTo === 'rx1';
    }, 8000);
    const ended = (await timeline(callId)).find((e) => e.kind === 'transfer-ended');
    expect(ended).toMatchObject({ outcome: 'busy', next: 'back-to-receptionist' });
    expect((await call.view()).alive).toBe(true);
  });

  it('given #72 then the caller is parked in 701, and of two simultaneous retrieves exactly one wins and is bridged', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx2', wrapUpSeconds: 0 }] });
    await lab.setPhone('rx2', { kind: 'answer', afterMs: 100 });
    const { call, callId } = await connectedCall();
    await office.setPresence('rx2', 'available');
    await lab.phoneSendDtmf('rx1', '#72');
    const parked = await lab.waitFor('parked', async () => {
      const list = (await office.api('GET', '/api/parked')).body.parked;
      return list.length === 1 && list;
    });
    expect(parked[0]).toMatchObject({ slot: '701', callId, parkedBy: 'rx1' });
    await lab.waitFor('rx1 released', async () => (await lab.phone('rx1')).activeChannelId === null);
    expect((await call.view()).alive).toBe(true);
    const [a, b] = await Promise.all([
      office.api('POST', '/api/parked/701/retrieve', { receptionistId: 'rx2' }),
      office.api('POST', '/api/parked/701/retrieve', { receptionistId: 'rx1' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 404]);
    const winner = a.status === 200 ? 'rx2' : 'rx1';
    await lab.waitFor('the winner is bridged with the caller', async () => (await call.view()).connectedTo === winner, 6000);
    const entries = await timeline(callId);
    expect(entries.find((e) => e.kind === 'park-ended')).toMatchObject({ outcome: 'retrieved', receptionistId: winner });
  });
  it('given a parked caller nobody retrieves when the park timeout passes then the caller rings back to the receptionist who parked them', async () => {
    const { lab } = office;
    Object.assign(office.config, { PARK_TIMEOUT_SECONDS: 5 });
    await office.restartSwitchboard();
    await office.setPresence('rx1', 'available');
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '#72');
    await lab.waitFor('parked', async () => (await office.api('GET', '/api/parked')).body.parked.length === 1);
    await lab.waitFor('rx1 released', async () => (await lab.phone('rx1')).activeChannelId === null);
    // rx1's 2 s wrap-up ends well before the 5 s park timeout: the caller comes back to rx1.
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1', 10_000);
    expect((await office.api('GET', '/api/parked')).body.parked).toEqual([]);
    const entries = await timeline(callId);
    expect(entries.find((e) => e.kind === 'park-ended')).toMatchObject({ outcome: 'timeout', next: 'back-to-receptionist' });
    await call.hangup();
  });
  it('given a parked caller when Switchboard restarts then they are still parked in their slot, and a receptionist retrieves them', async () => {
    const { lab } = office;
    await office.seed({ receptionists: [{ id: 'rx2', wrapUpSeconds: 0 }] });
    await lab.setPhone('rx2', { kind: 'answer', afterMs: 100 });
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '#72');
    await lab.waitFor('parked', async () => (await office.api('GET', '/api/parked')).body.parked.length === 1);
    await lab.waitFor('rx1 released', async () => (await lab.phone('rx1')).activeChannelId === null);

    await office.restartSwitchboard();
    const parked = (await office.api('GET', '/api/parked')).body.parked;
    expect(parked).toMatchObject([{ slot: '701', callId, parkedBy: 'rx1' }]);
    expect((await office.api('GET', '/api/queue')).body.waiting).toEqual([]);
    expect((await call.view()).alive).toBe(true);

    await office.setPresence('rx2', 'available');
    const retrieved = await office.api('POST', '/api/parked/701/retrieve', { receptionistId: 'rx2' });
    expect(retrieved.status).toBe(200);
    await lab.waitFor('caller with rx2', async () => (await call.view()).connectedTo === 'rx2', 6000);
    await call.hangup();
  });
});
