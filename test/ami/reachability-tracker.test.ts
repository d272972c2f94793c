import { describe, expect, it } from 'vitest';
import { parseAmiEvent, unsafeActionField } from '../../src/adapters/ami/ami-protocol';
import { ReachabilityTracker } from '../../src/adapters/ami/reachability-tracker';

const contact = (endpoint: string, status: string, uri = `sip:${endpoint}@10.0.0.5:5060`) =>
  parseAmiEvent({ event: 'ContactStatus', uri, contactstatus: status, aor: endpoint, endpointname: endpoint, roundtripusec: '0' });
const device = (dev: string, state: string) => parseAmiEvent({ event: 'DeviceStateChange', device: dev, state });

describe('reachability from AMI facts (pure)', () => {
  it('reports the first fact about an endpoint, then only changes of verdict or of an unreachable reason', () => {
    const t = new ReachabilityTracker();
    expect(t.apply(contact('rx1', 'Reachable'))).toEqual([{ endpoint: 'PJSIP/rx1', reachable: true, reason: 'contact-reachable' }]);
    expect(t.apply(device('PJSIP/rx1', 'INUSE'))).toEqual([]);
    expect(t.apply(contact('rx1', 'Unreachable'))).toEqual([{ endpoint: 'PJSIP/rx1', reachable: false, reason: 'contact-unreachable' }]);
    expect(t.apply(device('PJSIP/rx1', 'UNAVAILABLE'))).toEqual([]);
    expect(t.apply(contact('rx1', 'Removed'))).toEqual([{ endpoint: 'PJSIP/rx1', reachable: false, reason: 'contact-removed' }]);
    expect(t.apply(contact('rx1', 'Created'))).toEqual([{ endpoint: 'PJSIP/rx1', reachable: true, reason: 'contact-reachable' }]);
  });

  it('keeps an endpoint reachable while one of its contacts is', () => {
    const t = new ReachabilityTracker();
    t.apply(contact('rx1', 'Reachable', 'sip:a'));
    t.apply(contact('rx1', 'Reachable', 'sip:b'));
    expect(t.apply(contact('rx1', 'Unreachable', 'sip:a'))).toEqual([]);
    expect(t.apply(contact('rx1', 'Unreachable', 'sip:b'))).toEqual([{ endpoint: 'PJSIP/rx1', reachable: false, reason: 'contact-unreachable' }]);
  });

  it('treats unqualified contacts as reachable and an UNAVAILABLE device without contacts as never registered', () => {
    const t = new ReachabilityTracker();
    expect(t.apply(contact('rx2', 'NonQualified'))).toEqual([{ endpoint: 'PJSIP/rx2', reachable: true, reason: 'contact-not-qualified' }]);
    expect(t.apply(device('PJSIP/rx3', 'UNAVAILABLE'))).toEqual([{ endpoint: 'PJSIP/rx3', reachable: false, reason: 'no-contact' }]);
    expect(t.apply(device('PJSIP/rx3-00000036', 'UNAVAILABLE'))).toEqual([]);
    expect(t.apply(device('IAX2/rx3', 'UNAVAILABLE'))).toEqual([]);
  });

  it('a sweep replaces what is known and reports endpoints that disappeared', () => {
    const t = new ReachabilityTracker();
    t.apply(contact('rx1', 'Reachable'));
    t.apply(contact('old', 'Reachable'));
    expect(
      t.applySweep([
        { endpoint: 'PJSIP/rx1', deviceState: 'UNAVAILABLE', contacts: new Map([['sip:rx1', 'Unreachable']]) },
        { endpoint: 'PJSIP/rx2', deviceState: 'NOT_INUSE', contacts: new Map() },
      ]),
    ).toEqual([
      { endpoint: 'PJSIP/rx1', reachable: false, reason: 'contact-unreachable' },
      { endpoint: 'PJSIP/rx2', reachable: true, reason: 'device-available' },
      { endpoint: 'PJSIP/old', reachable: false, reason: 'no-such-endpoint' },
    ]);
    expect(t.current('PJSIP/old')).toBeUndefined();
  });
});

describe('AMI action safety (pure)', () => {
  it('accepts plain values and refuses CR, LF, NUL and odd header names', () => {
    expect(unsafeActionField({ Action: 'QueueAdd', Queue: 'q', Penalty: 0, Paused: false, Reason: undefined })).toBeNull();
    expect(unsafeActionField({ CallerID: 'a\r\nb' })).toMatch(/CallerID contains CR, LF or NUL/);
    expect(unsafeActionField({ CallerID: 'a\u0000' })).toMatch(/NUL/);
    expect(unsafeActionField({ 'Bad Key': 'x' })).toMatch(/not a plain token/);
  });
});
