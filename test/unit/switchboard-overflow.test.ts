import { describe, expect, it } from 'vitest';
import { Office, clientProfile, ofType, originates } from './support/office';

const voicemail = { kind: 'voicemail' as const, mailbox: 'acme', greeting: 'sound:acme-vm', maxSeconds: 120 };
const announcement = { kind: 'announcement' as const, media: 'sound:acme-closed' };

describe('overflow: voicemail or announcement instead of a receptionist', () => {
  it('given nobody logged in when a call arrives then it overflows to the client treatment with reason nobody-logged-in', () => {
    const office = new Office(5_000).hire(['ann']);
    office.client = clientProfile({ maxWaitSeconds: 60 });
    const commands = office.callArrives('c1');

    expect(ofType(commands, 'overflow')).toEqual([{ type: 'overflow', callId: 'c1', treatment: voicemail }]);
    expect(office.timeline('c1').find((e) => e.kind === 'overflowed')).toEqual({ kind: 'overflowed', callId: 'c1', at: 5_000, treatment: 'voicemail', reason: 'nobody-logged-in', waitMs: 0 });
    expect(ofType(commands, 'hold-caller')).toEqual([]);
    expect(office.timers.has('overflow|c1')).toBe(false);
    expect(office.waitingIds()).toEqual([]);
  });

  it('given everyone logged in is paused when a call arrives then it waits (someone may come back), it does not overflow', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.setPresence('ann', { kind: 'paused', reason: 'lunch' });
    const commands = office.callArrives('c1');
    expect(ofType(commands, 'overflow')).toEqual([]);
    expect(office.waitingIds()).toEqual(['c1']);
  });

  it('given a caller waiting longer than maxWaitSeconds then they overflow with reason max-wait', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.client = clientProfile({ maxWaitSeconds: 90, overflow: announcement });
    office.callArrives('c1');
    office.pickUp('ann');
    office.advance(10_000);
    office.callArrives('c2');

    expect(ofType(office.advance(89_999), 'overflow')).toEqual([]);
    const commands = office.advance(1);

    expect(ofType(commands, 'overflow')).toEqual([{ type: 'overflow', callId: 'c2', treatment: announcement }]);
    expect(office.timeline('c2').find((e) => e.kind === 'overflowed')).toMatchObject({ reason: 'max-wait', treatment: 'announcement', waitMs: 90_000 });
    expect(office.waitingIds()).toEqual([]);
    expect(office.timers.has('prompt|c2')).toBe(false);
    // The connected call is untouched by its own (stale) max-wait timer.
    expect(office.call('c1')?.phase).toBe('connected');
  });

  it('given a caller ringing a receptionist when max wait is reached then the offer is withdrawn first, then the caller overflows', () => {
    const office = new Office().givenReceptionists({ ann: 1_000 }, { ringTimeoutSeconds: 120 });
    office.client = clientProfile({ maxWaitSeconds: 30 });
    office.advanceTo(2_000);
    office.callArrives('c1');
    const offerId = office.ringingOffer('ann');

    const commands = office.advance(30_000);

    const hangup = commands.findIndex((c) => c.type === 'hangup-leg');
    const overflow = commands.findIndex((c) => c.type === 'overflow');
    expect(commands[hangup]).toEqual({ type: 'hangup-leg', callId: 'c1', offerId });
    expect(hangup).toBeLessThan(overflow);
    expect(office.receptionist('ann')).toMatchObject({ presence: { kind: 'available' }, idleSince: 1_000, missedInRow: 0 });
    expect(office.timeline('c1').find((e) => e.kind === 'offer-ended')).toMatchObject({ outcome: 'cancelled' });
    // A late answer for the withdrawn offer is put down.
    expect(office.answer(offerId)).toEqual([{ type: 'hangup-leg', callId: '', offerId }]);
  });

  it('given a caller arrived before a restart when max wait is counted then it counts from their arrival', () => {
    const office = new Office(100_000).givenReceptionists({ ann: 100_000 });
    office.client = clientProfile({ maxWaitSeconds: 60 });
    office.callArrives('c0');
    office.callArrives('c1', { arrivedAt: 70_000 });
    expect(office.timers.dueAt('overflow|c1')).toBe(130_000);
  });

  it('given callers waiting when the last receptionist logs out then they overflow with reason nobody-logged-in', () => {
    const office = new Office().givenReceptionists({ ann: 0, bob: 1 });
    office.setPresence('bob', { kind: 'paused', reason: 'x' });
    office.callArrives('c1'); // rings ann
    office.callArrives('c2'); // waits
    office.setPresence('bob', { kind: 'logged-out' });
    expect(ofType(office.last, 'overflow')).toEqual([]);

    const commands = office.setPresence('ann', { kind: 'logged-out' });

    expect(ofType(commands, 'overflow').map((c) => c.callId).sort()).toEqual(['c1', 'c2']);
    expect(ofType(commands, 'hangup-leg')).toHaveLength(1);
    expect(office.timeline('c1').find((e) => e.kind === 'overflowed')).toMatchObject({ reason: 'nobody-logged-in' });
    expect(office.timeline('c2').find((e) => e.kind === 'overflowed')).toMatchObject({ reason: 'nobody-logged-in' });
    expect(originates(commands)).toEqual([]);
  });

  it('given callers waiting when the last receptionist logs out after wrap-up (a pending logout) then they overflow', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 10 });
    office.callArrives('c1');
    office.pickUp('ann');
    office.callArrives('c2');
    office.setPresence('ann', { kind: 'logged-out' });
    office.callerHangsUp('c1');
    expect(ofType(office.last, 'overflow')).toEqual([]);

    const commands = office.advance(10_000);

    expect(office.presenceOf('ann')).toBe('logged-out');
    expect(ofType(commands, 'overflow')).toEqual([{ type: 'overflow', callId: 'c2', treatment: voicemail }]);
  });

  it('given a voicemail overflow when it finishes with a recording then the caller is hung up and the call ends as voicemail with the recording logged', () => {
    const office = new Office().hire(['ann']);
    office.callArrives('c1');
    office.advance(45_000);
    const commands = office.overflowFinishes('c1', 'recordings/c1.wav');

    expect(ofType(commands, 'hangup-caller')).toEqual([{ type: 'hangup-caller', callId: 'c1' }]);
    expect(office.timeline('c1').slice(-2)).toEqual([
      { kind: 'voicemail-recorded', callId: 'c1', at: 45_000, recording: 'recordings/c1.wav' },
      { kind: 'ended', callId: 'c1', at: 45_000, outcome: 'voicemail', waitMs: 45_000, endedBy: 'system' },
    ]);
    expect(office.call('c1')).toBeUndefined();
  });

  it('given an announcement overflow when it finishes then the call ends as announcement, with no recording logged', () => {
    const office = new Office().hire(['ann']);
    office.client = clientProfile({ overflow: announcement });
    office.callArrives('c1');
    office.overflowFinishes('c1', null);
    expect(office.timeline('c1').map((e) => e.kind)).toEqual(['arrived', 'overflowed', 'ended']);
    expect(office.timeline('c1').at(-1)).toMatchObject({ outcome: 'announcement', endedBy: 'system' });
  });

  it('given a caller in overflow when they hang up then the call ends with the overflow outcome; a late overflow-finished is ignored', () => {
    const office = new Office().hire(['ann']);
    office.callArrives('c1');
    office.callerHangsUp('c1');
    expect(office.timeline('c1').at(-1)).toMatchObject({ kind: 'ended', outcome: 'voicemail', endedBy: 'caller' });
    expect(office.overflowFinishes('c1', 'late.wav')).toEqual([]);
  });

  it('given a caller in overflow when someone logs in then the caller stays in overflow (not offered)', () => {
    const office = new Office().hire(['ann']);
    office.callArrives('c1');
    expect(originates(office.setPresence('ann', { kind: 'available' }))).toEqual([]);
    expect(office.call('c1')?.phase).toBe('overflow');
    expect(office.overflowFinishes('c1', null).length).toBeGreaterThan(0);
  });

  it('given a call that is not in overflow when overflow-finished arrives then it is ignored', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    expect(office.overflowFinishes('c1', null)).toEqual([]);
    expect(office.call('c1')?.phase).toBe('offering');
  });
});
