import { describe, expect, it } from 'vitest';
import { decideAfterHours, isAllowedForwardTarget, type AfterHoursPolicy } from '../../src/domain/after-hours';

const policy = (p: Partial<AfterHoursPolicy>): AfterHoursPolicy => ({ action: 'voicemail', announcement: null, forwardTo: null, forwardAllowed: false, ...p });

describe('after-hours decision', () => {
  it('given the client is open then the call is answered, whatever the after-hours setting', () => {
    expect(decideAfterHours(true, policy({ action: 'forward', forwardTo: '+15035559999', forwardAllowed: true }))).toEqual({
      action: 'answer',
      forwardTo: '',
      announcement: '',
      reason: 'open',
    });
  });

  it('given closed and voicemail configured then voicemail', () => {
    expect(decideAfterHours(false, policy({}))).toMatchObject({ action: 'voicemail', reason: 'configured', forwardTo: '' });
  });

  it('given closed and an announcement configured then that announcement; without a usable file then voicemail', () => {
    expect(decideAfterHours(false, policy({ action: 'announcement', announcement: 'custom/acme-closed' }))).toMatchObject({ action: 'announcement', announcement: 'custom/acme-closed' });
    expect(decideAfterHours(false, policy({ action: 'announcement', announcement: null }))).toMatchObject({ action: 'voicemail', reason: 'announcement-missing' });
    expect(decideAfterHours(false, policy({ action: 'announcement', announcement: '../../etc/passwd' }))).toMatchObject({ action: 'voicemail', announcement: '' });
  });

  it('given closed and forwarding allowed to a plain number then forward to it', () => {
    expect(decideAfterHours(false, policy({ action: 'forward', forwardTo: '+15035559999', forwardAllowed: true }))).toMatchObject({
      action: 'forward',
      forwardTo: '+15035559999',
      reason: 'configured',
    });
  });

  it('given closed and forwarding configured by the client but not allowed by the company then voicemail and no forward target', () => {
    expect(decideAfterHours(false, policy({ action: 'forward', forwardTo: '+15035559999', forwardAllowed: false }))).toEqual({
      action: 'voicemail',
      forwardTo: '',
      announcement: '',
      reason: 'forward-not-allowed',
    });
  });

  it('given a forward target that is not a plain number then voicemail', () => {
    for (const target of ['PJSIP/evil@trunk', '011,1', '12', '+1 503 555 9999']) {
      expect(isAllowedForwardTarget(target)).toBe(false);
      expect(decideAfterHours(false, policy({ action: 'forward', forwardTo: target, forwardAllowed: true }))).toMatchObject({ action: 'voicemail', reason: 'forward-target-invalid' });
    }
  });
});
