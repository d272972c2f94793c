import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Office } from './support/office';
import type { LabCall } from './lab/lab';

const DID = '5035550100';
const DANA = '+15035557777';
const LEE = '+15035559999';

/**
 * The announced (screened) transfer end to end: `*2` target `#` on the receptionist's phone (or
 * the API) puts the caller on the client's music and the receptionist in a consultation with
 * the contact; `*2` completes, `*1` aborts, `*3` makes it three-way. Lab interface and plain ARI
 * reads only.
 */
describe('announced transfer', () => {
  let office: Office;
  let numberPhone: (e164: string) => string;

  beforeEach(async () => {
    office = await Office.open();
    numberPhone = await office.dialTransfersThroughLab({ TRANSFER_RING_SECONDS: 5, ANNOUNCED_TRANSFER_RING_SECONDS: 5 });
    await office.seed({ clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID], mohClass: 'acme-moh' }], receptionists: [{ id: 'rx1', wrapUpSeconds: 2 }] });
    const admin = office.switchboard.directoryAdmin;
    await admin.upsertContact('acme', { code: '1', name: 'Dana Owner', number: DANA, extension: null, alwaysScreen: false, availability: 'available', note: '' });
    await admin.upsertContact('acme', { code: '2', name: 'Sam Away', number: '+15035558888', extension: null, alwaysScreen: false, availability: 'away', note: 'back Monday' });
    await admin.upsertContact('acme', { code: '3', name: 'Dr Lee', number: LEE, extension: null, alwaysScreen: true, availability: 'available', note: '' });
    await office.lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.setPresence('rx1', 'available');
  });

  afterEach(async () => {
    await office.close();
  });

  async function connectedCall(): Promise<{ call: LabCall; callId: string }> {
    const call = await office.lab.placeCall({ did: DID, callerName: 'Pat Caller', callerNumber: '5035551234' });
    const view = await office.lab.waitFor('connected to rx1', async () => {
      const v = await call.view();
      return v.connectedTo === 'rx1' && v;
    });
    return { call, callId: view.channelId };
  }

  const timeline = async (callId: string) => ((await office.api('GET', `/api/calls/${encodeURIComponent(callId)}`)).body?.timeline ?? []) as any[];
  const steps = async (callId: string) => (await timeline(callId)).filter((e) => e.kind === 'consult' && e.result === 'done').map((e) => e.step);
  const consultBridge = async (callId: string) => (await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-consult-${callId}`);

  /** The caller hears the client's music alone while rx1 and the contact share the consultation bridge. */
  async function consultingWith(call: LabCall, callId: string, phone: string) {
    const { lab } = office;
    await lab.waitFor('rx1 and the contact in the consultation bridge', async () => {
      const b = await consultBridge(callId);
      return b?.channels.length === 2 && (await lab.phone(phone)).activeChannelId !== null;
    }, 6000);
    const v = await call.view();
    expect(v.connectedTo).toBeNull();
    if (lab.observesMedia) expect(v.mohClass).toBe('acme-moh');
    expect((await office.presence('rx1')).kind).toBe('on-call');
  }

  it('given a connected call when rx1 keys *2 1 # and, once Dana accepts, *2 then the caller is bridged with Dana and rx1 is released', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'answer', afterMs: 200 });
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*21#');
    await consultingWith(call, callId, numberPhone(DANA));
    await lab.phoneSendDtmf('rx1', '*2');
    await lab.waitFor('caller bridged with the contact', async () => (await call.view()).connectedTo === numberPhone(DANA), 6000);
    await lab.waitFor('rx1 released', async () => (await lab.phone('rx1')).activeChannelId === null);
    expect(['wrap-up', 'available']).toContain((await office.presence('rx1')).kind);
    if (lab.observesMedia) expect((await call.view()).mohClass).toBeNull();
    await lab.waitFor('consultation bridge gone', async () => !(await consultBridge(callId)));
    const entries = await timeline(callId);
    expect(entries.find((e) => e.kind === 'transfer')).toMatchObject({ mode: 'announced', trigger: 'phone', receptionistId: 'rx1', result: 'dialing', destination: DANA, contactCode: '1' });
    expect(await steps(callId)).toEqual(['answered', 'completed']);
    expect(entries.find((e) => e.kind === 'consult' && e.step === 'completed')).toMatchObject({ trigger: 'phone', receptionistId: 'rx1' });
    await call.hangup();
    const record = await office.endedCall(callId);
    expect(record.outcome).toBe('completed');
  });

  it('given a consultation when Dana declines (hangs up) then rx1 is back with the caller', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'answer', afterMs: 200 });
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*21#');
    await consultingWith(call, callId, numberPhone(DANA));
    await lab.phoneHangup(numberPhone(DANA));
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1', 6000);
    if (lab.observesMedia) expect((await call.view()).mohClass).toBeNull();
    expect((await office.presence('rx1')).kind).toBe('on-call');
    await lab.waitFor('declined logged', async () => (await steps(callId)).includes('declined'));
    expect(await steps(callId)).toEqual(['answered', 'declined']);
    // The call goes on: the receptionist can take a message and end it.
    await lab.phoneSendDtmf('rx1', '**');
    await lab.waitFor('caller hung up', async () => !(await call.view()).alive);
  });

  it('given a consultation when Dana does not answer within the ring time then rx1 is back with the caller', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'no-answer' });
    const { call, callId } = await connectedCall();
    const r = await office.api('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { receptionistId: 'rx1', to: { contactCode: '1' }, mode: 'announced' });
    expect(r.status).toBe(200);
    await lab.waitFor('the caller on hold music', async () => (await call.view()).connectedTo === null);
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1', 12_000);
    expect((await lab.phone(numberPhone(DANA))).ringing).toBe(false);
    await lab.waitFor('no-answer logged', async () => (await steps(callId)).includes('no-answer'));
    expect((await timeline(callId)).find((e) => e.kind === 'consult' && e.step === 'no-answer')).toMatchObject({ receptionistId: 'rx1' });
    expect((await call.view()).alive).toBe(true);
  });

  it('given a consultation still ringing when rx1 cancels through the API then the contact stops ringing and rx1 is back with the caller', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'no-answer' });
    const { call, callId } = await connectedCall();
    const path = `/api/calls/${encodeURIComponent(callId)}/transfer`;
    expect((await office.api('POST', `${path}/cancel`, { receptionistId: 'rx1' })).body.error.code).toBe('no-transfer-in-progress');
    expect((await office.api('POST', path, { receptionistId: 'rx1', to: { contactCode: '1' }, mode: 'announced' })).status).toBe(200);
    await lab.waitFor('Dana rings', async () => (await lab.phone(numberPhone(DANA))).ringing);
    const early = await office.api('POST', `${path}/complete`, { receptionistId: 'rx1' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('contact-not-answered');
    expect((await office.api('POST', `${path}/cancel`, { receptionistId: 'rx9' })).body.error.code).toBe('not-your-call');
    expect((await office.api('POST', `${path}/cancel`, { receptionistId: 'rx1' })).status).toBe(200);
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1', 6000);
    await lab.waitFor('Dana stops ringing', async () => !(await lab.phone(numberPhone(DANA))).ringing);
    const cancelled = (await timeline(callId)).find((e) => e.kind === 'consult' && e.step === 'cancelled' && e.result === 'done');
    expect(cancelled).toMatchObject({ trigger: 'api', receptionistId: 'rx1' });
  });

  it('given a consultation when Switchboard restarts then the contact leg ends and rx1 is back with the caller, never dropped', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(DANA), { kind: 'answer', afterMs: 200 });
    const { call, callId } = await connectedCall();
    await lab.phoneSendDtmf('rx1', '*21#');
    await consultingWith(call, callId, numberPhone(DANA));
    await office.restartSwitchboard();
    await lab.waitFor('caller back with rx1', async () => (await call.view()).connectedTo === 'rx1', 8000);
    await lab.waitFor('Dana hung up', async () => (await lab.phone(numberPhone(DANA))).activeChannelId === null);
    await lab.waitFor('consultation bridge gone', async () => !(await consultBridge(callId)));
    if (lab.observesMedia) expect((await call.view()).mohClass).toBeNull();
    expect((await office.presence('rx1')).kind).toBe('on-call');
    await call.hangup();
    expect((await office.endedCall(callId)).outcome).toBe('completed');
  });

  it('given an always-screen contact then a blind transfer is refused and an announced one reaches them; three-way then rx1 leaves them talking', async () => {
    const { lab } = office;
    await lab.setPhone(numberPhone(LEE), { kind: 'answer', afterMs: 200 });
    const { call, callId } = await connectedCall();
    const path = `/api/calls/${encodeURIComponent(callId)}/transfer`;
    const blind = await office.api('POST', path, { receptionistId: 'rx1', to: { contactCode: '3' }, mode: 'blind' });
    expect(blind.status).toBe(409);
    expect(blind.body.error.code).toBe('screening-required');
    const away = await office.api('POST', path, { receptionistId: 'rx1', to: { contactCode: '2' }, mode: 'announced' });
    expect(away.body.error).toMatchObject({ code: 'contact-unavailable', voicemailOffered: true });
    expect((await office.api('POST', path, { receptionistId: 'rx1', to: { contactCode: '3' }, mode: 'announced' })).status).toBe(200);
    await consultingWith(call, callId, numberPhone(LEE));
    await lab.phoneSendDtmf('rx1', '*3');
    await lab.waitFor('all three in the caller bridge', async () => (await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-call-${callId}`)?.channels.length === 3, 6000);
    await lab.phoneHangup('rx1');
    await lab.waitFor('caller and Dr Lee stay connected', async () => (await call.view()).connectedTo === numberPhone(LEE), 6000);
    await lab.waitFor('the steps logged', async () => (await steps(callId)).includes('completed'));
    expect(await steps(callId)).toEqual(['answered', 'three-way', 'completed']);
    await call.hangup();
    expect((await office.endedCall(callId)).outcome).toBe('completed');
  });
});
