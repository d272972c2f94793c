import { describe, expect, it } from 'vitest';
import type { ClientTransferRules } from '../../src/domain/destinations';
import type { FeatureOp } from '../../src/domain/switchboard';
import { Office, ofType } from './support/office';

const rules: ClientTransferRules = {
  contacts: [
    { code: '1', name: 'Dana', number: '+15035557777', extension: null, alwaysScreen: false, availability: 'available', note: '' },
    { code: '2', name: 'Sam', number: '+15035558888', extension: null, alwaysScreen: false, availability: 'away', note: 'back Monday' },
    { code: '3', name: 'Dr Lee', number: '+15035559999', extension: null, alwaysScreen: true, availability: 'available', note: '' },
    { code: '4', name: 'Vic', number: null, extension: '204', alwaysScreen: false, availability: 'voicemail-only', note: '' },
  ],
  allow: [],
};

/** ann answers c1; her wrap-up is 10 s. */
function connected() {
  const o = new Office();
  o.givenReceptionists({ ann: 1000 }, { wrapUpSeconds: 10 });
  o.advanceTo(5000);
  o.callArrives('c1');
  o.pickUp('ann');
  return o;
}

const op = (o: Office, operation: FeatureOp, trigger: 'phone' | 'api' = 'api', receptionistId = 'ann') =>
  o.feature({ callId: 'c1', receptionistId, trigger, op: operation });
const announce = (o: Office, to: { contactCode: string } | { number: string } | { keyed: string }, trigger: 'phone' | 'api' = 'api') =>
  op(o, { kind: 'announced-transfer', request: to, rules }, trigger);
const consultSteps = (o: Office) => o.timeline('c1').filter((e) => e.kind === 'consult');

/** ann starts an announced transfer to Dana; returns the contact's channel. */
function consulting(o: Office, trigger: 'phone' | 'api' = 'api'): string {
  const result = announce(o, { contactCode: '1' }, trigger);
  expect(result.ok).toBe(true);
  return ofType(o.last, 'dial-transfer')[0].channelId;
}

describe('announced (screened) transfer', () => {
  it('given a connected call when ann announces the caller to a contact who accepts then caller and contact are bridged and ann goes to wrap-up', () => {
    const o = connected();
    const offerId = o.call('c1')!.offer!.offerId;
    const channelId = consulting(o, 'phone');
    // The receptionist leaves the caller's bridge for the consultation; the caller hears music.
    expect(ofType(o.last, 'consult-start')).toEqual([{ type: 'consult-start', callId: 'c1', offerId, mohClass: o.client.mohClass }]);
    expect(ofType(o.last, 'dial-transfer')[0]).toMatchObject({ endpoint: 'PJSIP/+15035557777@trunk', timeoutSeconds: 20 });
    expect(channelId.startsWith('sb-xfer-c1-')).toBe(true);
    expect(ofType(o.last, 'hangup-leg')).toEqual([]);
    expect(o.presenceOf('ann')).toBe('on-call');
    expect(o.timeline('c1').find((e) => e.kind === 'transfer')).toMatchObject({ mode: 'announced', trigger: 'phone', receptionistId: 'ann', result: 'dialing', contactCode: '1' });

    o.handle({ type: 'transfer-answered', channelId });
    expect(ofType(o.last, 'consult-connect')).toEqual([{ type: 'consult-connect', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'connect-transfer')).toEqual([]);

    expect(op(o, { kind: 'transfer-complete' }, 'phone').ok).toBe(true);
    expect(ofType(o.last, 'consult-complete')).toEqual([{ type: 'consult-complete', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'hangup-leg')).toEqual([{ type: 'hangup-leg', callId: 'c1', offerId }]);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    expect(consultSteps(o).map((e) => e.kind === 'consult' && [e.step, e.trigger, e.receptionistId])).toEqual([
      ['answered', 'contact', 'ann'],
      ['completed', 'phone', 'ann'],
    ]);
    // From here it is a completed transfer: the contact hanging up ends the call.
    o.handle({ type: 'transfer-ended', channelId, reason: 'hangup' });
    expect(ofType(o.last, 'hangup-caller')).toHaveLength(1);
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed' });
  });

  it('given a consultation when the contact declines (hangs up) then ann is back with the caller, still on the call', () => {
    const o = connected();
    const offerId = o.call('c1')!.offer!.offerId;
    const channelId = consulting(o);
    o.handle({ type: 'transfer-answered', channelId });
    o.handle({ type: 'transfer-ended', channelId, reason: 'hangup' });
    expect(ofType(o.last, 'consult-return')).toEqual([{ type: 'consult-return', callId: 'c1', offerId }]);
    expect(ofType(o.last, 'notify-receptionist')).toEqual([]);
    expect(o.presenceOf('ann')).toBe('on-call');
    expect(o.call('c1')).toMatchObject({ phase: 'connected', receptionistId: 'ann' });
    expect(o.call('c1')!.transfer).toBeUndefined();
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'declined', trigger: 'contact', receptionistId: 'ann' });
    // The call goes on: ann may hold it or transfer again.
    expect(op(o, { kind: 'hold' }).ok).toBe(true);
  });

  it('given a consultation when the contact does not answer within 20 s then ann is back with the caller and hears a notice', () => {
    const o = connected();
    const channelId = consulting(o);
    o.advance(19_000);
    expect(ofType(o.history, 'consult-return')).toEqual([]);
    o.advance(3_000); // backstop timer: ring seconds + 2
    expect(ofType(o.history, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId }]);
    expect(ofType(o.history, 'consult-return')).toHaveLength(1);
    expect(ofType(o.history, 'notify-receptionist')).toHaveLength(1);
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'no-answer', trigger: 'system' });
    // The leg's own end afterwards changes nothing.
    o.handle({ type: 'transfer-ended', channelId, reason: 'no-answer' });
    expect(o.last.filter((c) => c.type !== 'save-receptionist')).toEqual([]);
  });

  it('given a consultation when the PBX reports the contact busy then ann is back with the caller and hears a notice', () => {
    const o = connected();
    const channelId = consulting(o);
    o.handle({ type: 'transfer-ended', channelId, reason: 'busy' });
    expect(ofType(o.last, 'consult-return')).toHaveLength(1);
    expect(ofType(o.last, 'notify-receptionist')).toHaveLength(1);
    expect(ofType(o.last, 'cancel-timer').map((c) => c.key)).toContain('xfer|c1');
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'busy', trigger: 'contact' });
    expect(o.presenceOf('ann')).toBe('on-call');
  });

  it('given a consultation when ann cancels then the contact leg is hung up and ann is back with the caller; a late answer is hung up', () => {
    const o = connected();
    const channelId = consulting(o);
    expect(op(o, { kind: 'transfer-cancel' }, 'phone').ok).toBe(true);
    expect(ofType(o.last, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'consult-return')).toHaveLength(1);
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'cancelled', trigger: 'phone', result: 'done' });
    o.handle({ type: 'transfer-answered', channelId });
    expect(ofType(o.last, 'hangup-transfer')).toHaveLength(1);
    expect(ofType(o.last, 'consult-connect')).toEqual([]);
  });

  it('given a consultation when ann goes three-way then all three share the caller bridge and ann may leave caller and contact connected', () => {
    const o = connected();
    const offerId = o.call('c1')!.offer!.offerId;
    const channelId = consulting(o);
    expect(op(o, { kind: 'transfer-three-way' })).toMatchObject({ ok: false, code: 'contact-not-answered' });
    o.handle({ type: 'transfer-answered', channelId });
    expect(op(o, { kind: 'transfer-three-way' }, 'phone').ok).toBe(true);
    expect(ofType(o.last, 'consult-three-way')).toEqual([{ type: 'consult-three-way', callId: 'c1', offerId, channelId }]);
    expect(o.lastSavedCall('c1')?.transfer).toMatchObject({ mode: 'announced', threeWay: true, answered: true });
    o.receptionistHangsUp('c1');
    expect(ofType(o.last, 'hangup-caller')).toEqual([]);
    expect(ofType(o.last, 'hangup-transfer')).toEqual([]);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    const done = consultSteps(o).filter((e) => e.kind === 'consult' && e.result === 'done');
    expect(done.map((e) => e.kind === 'consult' && [e.step, e.trigger])).toEqual([
      ['answered', 'contact'],
      ['three-way', 'phone'],
      ['completed', 'receptionist-hangup'],
    ]);
    o.handle({ type: 'transfer-ended', channelId, reason: 'hangup' });
    expect(ofType(o.last, 'hangup-caller')).toHaveLength(1);
    expect(o.call('c1')).toBeUndefined();
  });

  it('given a three-way call when the contact hangs up then ann and the caller go on talking', () => {
    const o = connected();
    const channelId = consulting(o);
    o.handle({ type: 'transfer-answered', channelId });
    op(o, { kind: 'transfer-three-way' });
    o.handle({ type: 'transfer-ended', channelId, reason: 'hangup' });
    expect(ofType(o.last, 'consult-return')).toEqual([]); // ann is in the caller's bridge already
    expect(o.call('c1')).toMatchObject({ phase: 'connected', receptionistId: 'ann' });
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'contact-left', trigger: 'contact' });
  });

  it('given a consultation when the caller hangs up then the contact leg ends, ann goes to wrap-up and the call completes, ended by the caller', () => {
    const o = connected();
    const channelId = consulting(o);
    o.handle({ type: 'transfer-answered', channelId });
    o.callerHangsUp('c1');
    expect(ofType(o.last, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'hangup-leg')).toHaveLength(1);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'caller-left', trigger: 'caller' });
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed', endedBy: 'caller' });
  });

  it('given a consultation when ann hangs up after the contact answered then the transfer completes', () => {
    const o = connected();
    const channelId = consulting(o);
    o.handle({ type: 'transfer-answered', channelId });
    o.receptionistHangsUp('c1');
    expect(ofType(o.last, 'consult-complete')).toEqual([{ type: 'consult-complete', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'hangup-caller')).toEqual([]);
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'completed', trigger: 'receptionist-hangup' });
    expect(o.presenceOf('ann')).toBe('wrap-up');
  });

  it('given a consultation still ringing when ann hangs up then the contact leg ends and the caller goes to the front of the line', () => {
    const o = connected();
    o.hire(['bob']);
    const channelId = consulting(o);
    o.callArrives('c2');
    o.receptionistHangsUp('c1');
    expect(ofType(o.last, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId }]);
    expect(ofType(o.last, 'hangup-caller')).toEqual([]);
    expect(o.waitingIds()).toEqual(['c1', 'c2']);
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'receptionist-left', trigger: 'receptionist-hangup' });
    o.setPresence('bob', { kind: 'available' });
    expect(o.ringing()).toEqual({ c1: 'bob' });
  });

  it('given an always-screen contact then a blind transfer is refused and an announced one is allowed', () => {
    const o = connected();
    expect(op(o, { kind: 'blind-transfer', request: { contactCode: '3' }, rules })).toMatchObject({ ok: false, code: 'screening-required' });
    const result = announce(o, { keyed: '3' }, 'phone');
    expect(result.ok).toBe(true);
    expect(ofType(o.last, 'dial-transfer')[0].endpoint).toBe('PJSIP/+15035559999@trunk');
  });

  it('given the contact is away or voicemail-only then the announced transfer is refused, voicemail is offered, and the refusal is logged', () => {
    const o = connected();
    expect(announce(o, { contactCode: '2' })).toMatchObject({ ok: false, code: 'contact-unavailable', voicemailOffered: true });
    expect(announce(o, { keyed: '4' }, 'phone')).toMatchObject({ ok: false, code: 'contact-unavailable', voicemailOffered: true });
    expect(announce(o, { number: '+19005551234' })).toMatchObject({ ok: false, code: 'destination-not-allowed' });
    expect(announce(o, { number: '5035557777&Local/x@y' })).toMatchObject({ ok: false, code: 'invalid-destination' });
    const refusals = o.timeline('c1').filter((e) => e.kind === 'transfer');
    expect(refusals).toHaveLength(4);
    expect(refusals.every((e) => e.kind === 'transfer' && e.mode === 'announced' && e.result === 'refused')).toBe(true);
    expect(ofType(o.history, 'consult-start')).toEqual([]);
    expect(o.call('c1')?.transfer).toBeUndefined();
  });

  it('given no consultation then complete, cancel and three-way are refused; during one other operations are refused', () => {
    const o = connected();
    expect(op(o, { kind: 'transfer-complete' })).toMatchObject({ ok: false, code: 'no-transfer-in-progress' });
    expect(op(o, { kind: 'transfer-cancel' })).toMatchObject({ ok: false, code: 'no-transfer-in-progress' });
    expect(consultSteps(o).at(-1)).toMatchObject({ step: 'cancelled', result: 'refused', code: 'no-transfer-in-progress' });
    consulting(o);
    expect(op(o, { kind: 'transfer-complete' })).toMatchObject({ ok: false, code: 'contact-not-answered' });
    expect(op(o, { kind: 'hold' })).toMatchObject({ ok: false, code: 'transfer-in-progress' });
    expect(announce(o, { contactCode: '1' })).toMatchObject({ ok: false, code: 'transfer-in-progress' });
    o.hire(['bob']);
    expect(op(o, { kind: 'transfer-cancel' }, 'api', 'bob')).toMatchObject({ ok: false, code: 'not-your-call' });
  });

  it('given a caller on hold when ann starts an announced transfer then the caller is brought back into the bridge first', () => {
    const o = connected();
    op(o, { kind: 'hold' });
    consulting(o);
    const types = o.last.map((c) => c.type);
    expect(types.indexOf('resume-caller')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('resume-caller')).toBeLessThan(types.indexOf('consult-start'));
  });

  it('given the switchboard restarts during a three-way call then it is restored as one', () => {
    const o = connected();
    const channelId = consulting(o);
    o.handle({ type: 'transfer-answered', channelId });
    op(o, { kind: 'transfer-three-way' });
    const snapshot = o.lastSavedCall('c1')!;
    const again = new Office(o.now);
    again.hire(['ann'], { wrapUpSeconds: 10 });
    again.restore({ receptionists: [o.receptionist('ann')], calls: [{ snapshot, client: o.client }] });
    expect(again.call('c1')?.transfer).toMatchObject({ mode: 'announced', threeWay: true });
    expect(again.presenceOf('ann')).toBe('on-call');
    again.receptionistHangsUp('c1');
    expect(ofType(again.last, 'hangup-caller')).toEqual([]);
    again.handle({ type: 'transfer-ended', channelId, reason: 'hangup' });
    expect(ofType(again.last, 'hangup-caller')).toHaveLength(1);
  });
});
