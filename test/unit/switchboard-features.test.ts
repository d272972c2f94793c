import { describe, expect, it } from 'vitest';
import type { ClientTransferRules } from '../../src/domain/destinations';
import { Office, ofType } from './support/office';

const rules: ClientTransferRules = {
  contacts: [
    { code: '1', name: 'Dana', number: '+15035557777', extension: null, alwaysScreen: false, availability: 'available', note: '' },
    { code: '2', name: 'Sam', number: '+15035558888', extension: null, alwaysScreen: false, availability: 'away', note: '' },
  ],
  allow: [],
};

/** ann answers c1; bob is logged in too (idle longer or not, as given). */
function connected(opts: { wrapUpSeconds?: number } = {}) {
  const o = new Office();
  o.givenReceptionists({ ann: 1000 }, { wrapUpSeconds: opts.wrapUpSeconds ?? 10 });
  o.advanceTo(5000);
  o.callArrives('c1');
  o.pickUp('ann');
  return o;
}

const transfer = (o: Office, to: { contactCode: string } | { number: string } | { keyed: string }, receptionistId = 'ann', trigger: 'phone' | 'api' = 'api') =>
  o.feature({ callId: 'c1', receptionistId, trigger, op: { kind: 'blind-transfer', request: to, rules } });

describe('in-call operations', () => {
  it('given a connected call when the receptionist blind-transfers to a contact then the destination is dialled, the caller hears music and the receptionist goes to wrap-up', () => {
    const o = connected();
    const result = transfer(o, { contactCode: '1' }, 'ann', 'phone');
    expect(result.ok).toBe(true);
    const dial = ofType(o.last, 'dial-transfer')[0];
    expect(dial).toMatchObject({ callId: 'c1', endpoint: 'PJSIP/+15035557777@trunk' });
    expect(ofType(o.last, 'hold-caller')).toHaveLength(1);
    expect(ofType(o.last, 'hangup-leg')).toHaveLength(1);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    expect(o.timeline('c1').find((e) => e.kind === 'transfer')).toMatchObject({ receptionistId: 'ann', trigger: 'phone', result: 'dialing', destination: '+15035557777', contactCode: '1' });

    o.handle({ type: 'transfer-answered', channelId: dial.channelId });
    expect(ofType(o.last, 'connect-transfer')).toEqual([{ type: 'connect-transfer', callId: 'c1', channelId: dial.channelId }]);
    // either side ending ends the call, completed
    o.handle({ type: 'transfer-ended', channelId: dial.channelId, reason: 'hangup' });
    expect(ofType(o.last, 'hangup-caller')).toHaveLength(1);
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed' });
  });

  it('given a blind transfer when the destination is busy then the caller comes back to the receptionist who is still in wrap-up', () => {
    const o = connected();
    transfer(o, { number: '+15035557777' });
    const dial = ofType(o.last, 'dial-transfer')[0];
    o.advance(1000);
    o.handle({ type: 'transfer-ended', channelId: dial.channelId, reason: 'busy' });
    expect(o.ringing()).toEqual({ c1: 'ann' });
    expect(o.timeline('c1').find((e) => e.kind === 'transfer-ended')).toMatchObject({ outcome: 'busy', next: 'back-to-receptionist' });
    o.pickUp('ann');
    expect(o.presenceOf('ann')).toBe('on-call');
  });

  it('given a blind transfer when nobody answers and the receptionist took another call then the caller goes to the front of the line', () => {
    const o = connected({ wrapUpSeconds: 0 });
    transfer(o, { contactCode: '1' });
    const dial = ofType(o.last, 'dial-transfer')[0];
    o.callArrives('c2', { client: { ...o.client, priorityTier: 5 } }); // ann takes it
    o.pickUp('ann');
    o.callArrives('c3', { client: { ...o.client, priorityTier: 9 } });
    o.advance(31_000); // the transfer timer: ring seconds + 5
    expect(ofType(o.history, 'hangup-transfer').some((c) => c.channelId === dial.channelId)).toBe(true);
    expect(o.waitingIds()).toEqual(['c1', 'c3']);
    expect(o.timeline('c1').find((e) => e.kind === 'transfer-ended')).toMatchObject({ outcome: 'no-answer', next: 'queue' });
  });

  it('given the caller hangs up while the transfer rings then the outbound leg is hung up and the call completes', () => {
    const o = connected();
    transfer(o, { contactCode: '1' });
    const dial = ofType(o.last, 'dial-transfer')[0];
    o.callerHangsUp('c1');
    expect(ofType(o.last, 'hangup-transfer')).toEqual([{ type: 'hangup-transfer', callId: 'c1', channelId: dial.channelId }]);
    expect(o.call('c1')).toBeUndefined();
    // the leg's late events change nothing
    o.handle({ type: 'transfer-answered', channelId: dial.channelId });
    expect(ofType(o.last, 'hangup-transfer')).toHaveLength(1);
  });

  it('given a destination outside the client list then the transfer is refused, logged, and the call is untouched', () => {
    const o = connected();
    const result = transfer(o, { number: '+19005551234' }, 'ann', 'api');
    expect(result).toMatchObject({ ok: false, code: 'destination-not-allowed' });
    expect(ofType(result.commands, 'dial-transfer')).toEqual([]);
    expect(ofType(result.commands, 'hangup-leg')).toEqual([]);
    expect(o.presenceOf('ann')).toBe('on-call');
    expect(o.call('c1')?.phase).toBe('connected');
    expect(o.timeline('c1').find((e) => e.kind === 'transfer')).toMatchObject({ result: 'refused', code: 'destination-not-allowed', trigger: 'api', receptionistId: 'ann' });
  });

  it('given an injection string then it is refused as invalid-destination and logged printable', () => {
    const o = connected();
    const result = transfer(o, { number: '5035557777&Local/evil@default\r\n' });
    expect(result).toMatchObject({ ok: false, code: 'invalid-destination' });
    const entry = o.timeline('c1').find((e) => e.kind === 'transfer');
    expect(JSON.stringify(entry)).not.toMatch(/\\r|\\n/);
  });

  it('given an away contact then the refusal offers voicemail', () => {
    const o = connected();
    expect(transfer(o, { contactCode: '2' })).toMatchObject({ ok: false, code: 'contact-unavailable', voicemailOffered: true });
  });

  it('given another receptionist asks then it is not their call', () => {
    const o = connected();
    o.hire(['bob']);
    expect(transfer(o, { contactCode: '1' }, 'bob')).toMatchObject({ ok: false, code: 'not-your-call' });
    expect(o.feature({ callId: 'c1', receptionistId: 'bob', trigger: 'api', op: { kind: 'hangup' } })).toMatchObject({ ok: false, code: 'not-your-call' });
    expect(o.feature({ callId: 'nope', receptionistId: 'ann', trigger: 'api', op: { kind: 'hangup' } })).toMatchObject({ ok: false, code: 'no-such-call' });
  });

  it('given a waiting call then no operation applies to it', () => {
    const o = new Office();
    o.givenReceptionists({ ann: 1000 });
    o.setPresence('ann', { kind: 'paused', reason: 'lunch' });
    o.callArrives('c1');
    expect(o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'api', op: { kind: 'hold' } })).toMatchObject({ ok: false, code: 'not-connected' });
  });

  it('given hold then the caller hears music aside and resume brings them back; *0 toggles', () => {
    const o = connected();
    const req = (kind: 'hold' | 'resume' | 'hold-toggle') => o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'phone', op: { kind } });
    expect(req('hold').ok).toBe(true);
    expect(ofType(o.last, 'hold-caller-aside')).toEqual([{ type: 'hold-caller-aside', callId: 'c1', mohClass: 'acme-moh' }]);
    expect(o.call('c1')?.heldByReceptionist).toBe(true);
    expect(req('hold-toggle').ok).toBe(true);
    expect(ofType(o.last, 'resume-caller')).toHaveLength(1);
    expect(req('resume')).toMatchObject({ ok: false, code: 'not-on-hold' });
    expect(req('hold-toggle').ok).toBe(true);
    expect(o.call('c1')?.heldByReceptionist).toBe(true);
    expect(o.presenceOf('ann')).toBe('on-call');
    expect(o.timeline('c1').filter((e) => e.kind === 'feature').map((e) => (e.kind === 'feature' ? `${e.action}:${e.result}` : ''))).toEqual([
      'hold:done',
      'resume:done',
      'resume:refused',
      'hold:done',
    ]);
  });

  it('given send to voicemail then the receptionist is released and the caller gets the client voicemail, recorded on the call', () => {
    const o = connected();
    expect(o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'phone', op: { kind: 'voicemail' } }).ok).toBe(true);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    expect(ofType(o.last, 'unbridge-caller')).toHaveLength(1);
    expect(ofType(o.last, 'overflow')[0].treatment).toMatchObject({ kind: 'voicemail', mailbox: 'acme' });
    o.overflowFinishes('c1', 'voicemail-c1');
    expect(o.timeline('c1').filter((e) => e.kind === 'voicemail-recorded' || e.kind === 'ended').map((e) => e.kind)).toEqual(['voicemail-recorded', 'ended']);
    expect(o.timeline('c1').at(-1)).toMatchObject({ outcome: 'voicemail' });
  });

  it('given a client with an announcement instead of voicemail then send to voicemail is refused', () => {
    const o = new Office();
    o.givenReceptionists({ ann: 1000 });
    o.callArrives('c1', { client: { ...o.client, overflow: { kind: 'announcement', media: 'sound:closed' } } });
    o.pickUp('ann');
    expect(o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'api', op: { kind: 'voicemail' } })).toMatchObject({ ok: false, code: 'no-voicemail' });
  });

  it('given ** then the caller is hung up, the call completes and the receptionist wraps up', () => {
    const o = connected();
    expect(o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'phone', op: { kind: 'hangup' } }).ok).toBe(true);
    expect(ofType(o.last, 'hangup-caller')).toHaveLength(1);
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed', endedBy: 'receptionist' });
    expect(o.presenceOf('ann')).toBe('wrap-up');
    // the legs' late events change nothing
    o.callerHangsUp('c1');
    expect(o.last).toEqual([]);
  });

  it('given a caller on hold when the receptionist transfers then the caller is resumed into the bridge first', () => {
    const o = connected();
    o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'api', op: { kind: 'hold' } });
    transfer(o, { contactCode: '1' });
    const types = o.last.map((c) => c.type);
    expect(types.indexOf('resume-caller')).toBeLessThan(types.indexOf('dial-transfer'));
    expect(transfer(o, { contactCode: '1' })).toMatchObject({ ok: false, code: 'not-connected' });
  });
});

describe('call park', () => {
  const park = (o: Office, receptionistId = 'ann') => o.feature({ callId: 'c1', receptionistId, trigger: 'phone', op: { kind: 'park' } });

  it('given #72 then the call takes the first free slot, the receptionist hears it and is released, the caller hears music', () => {
    const o = connected();
    expect(park(o).ok).toBe(true);
    expect(ofType(o.last, 'announce-park')).toEqual([{ type: 'announce-park', callId: 'c1', offerId: 'offer-ann-1', slot: '701' }]);
    expect(ofType(o.last, 'hold-caller')).toHaveLength(1);
    expect(o.presenceOf('ann')).toBe('wrap-up');
    expect(o.call('c1')).toMatchObject({ phase: 'parked', park: { slot: '701', byReceptionistId: 'ann' } });
    expect(o.sb.parked()).toMatchObject([{ slot: '701', callId: 'c1', parkedBy: 'ann' }]);
    expect(o.timeline('c1').find((e) => e.kind === 'parked')).toMatchObject({ slot: '701', receptionistId: 'ann', trigger: 'phone' });
  });

  it('given a parked call when a receptionist retrieves it then their phone rings for it, and a second retrieve finds nothing (exactly one winner)', () => {
    const o = connected({ wrapUpSeconds: 0 });
    o.hire(['bob']);
    o.setPresence('bob', { kind: 'available' });
    park(o);
    expect(o.retrieve('701', 'bob').ok).toBe(true);
    expect(o.retrieve('701', 'ann')).toMatchObject({ ok: false, code: 'no-such-parked-call' });
    expect(o.ringing()).toEqual({ c1: 'bob' });
    o.pickUp('bob');
    expect(o.call('c1')).toMatchObject({ phase: 'connected', receptionistId: 'bob' });
    expect(o.sb.parked()).toEqual([]);
  });

  it('given a parked call when nobody retrieves it in 45 s then it goes back to the parking receptionist if free', () => {
    const o = connected({ wrapUpSeconds: 5 });
    park(o);
    o.advance(45_000);
    expect(o.ringing()).toEqual({ c1: 'ann' });
    expect(o.timeline('c1').find((e) => e.kind === 'park-ended')).toMatchObject({ outcome: 'timeout', next: 'back-to-receptionist' });
  });

  it('given a parked call when it times out while the parker is busy then it goes to the front of the line', () => {
    const o = connected({ wrapUpSeconds: 0 });
    park(o);
    o.callArrives('c2');
    o.pickUp('ann');
    o.callArrives('c3', { client: { ...o.client, priorityTier: 9 } });
    o.advance(45_000);
    expect(o.waitingIds()).toEqual(['c1', 'c3']);
    expect(o.timeline('c1').find((e) => e.kind === 'park-ended')).toMatchObject({ outcome: 'timeout', next: 'queue' });
  });

  it('given every slot taken then park is refused and the call goes on', () => {
    const o = new Office(0, { park: { slots: ['701'], timeoutSeconds: 45 } });
    o.givenReceptionists({ ann: 1000, bob: 1001 });
    o.callArrives('c1');
    o.pickUp('ann');
    o.callArrives('c2');
    o.pickUp('bob');
    expect(o.feature({ callId: 'c1', receptionistId: 'ann', trigger: 'api', op: { kind: 'park' } }).ok).toBe(true);
    expect(o.feature({ callId: 'c2', receptionistId: 'bob', trigger: 'api', op: { kind: 'park' } })).toMatchObject({ ok: false, code: 'no-free-slot' });
    expect(o.call('c2')?.phase).toBe('connected');
  });

  it('given a parked caller hangs up then the slot is free again and the call is completed', () => {
    const o = connected();
    park(o);
    o.callerHangsUp('c1');
    expect(o.sb.parked()).toEqual([]);
    expect(o.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'completed' });
    expect(o.timeline('c1').find((e) => e.kind === 'park-ended')).toMatchObject({ outcome: 'caller-left' });
    expect(ofType(o.history, 'cancel-timer').some((c) => c.key === 'park|c1')).toBe(true);
  });
});
